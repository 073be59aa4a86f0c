import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocuments, readDocuments, UnreadablePathError, type Problem } from './documents.ts';

const envelope = (kind: string, name: string, spec = '{}') => `apiVersion: vigil/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec: ${spec}\n`;

describe('parseDocuments: problems, with where they are', () => {
  const rows: { name: string; text: string; problems: Partial<Problem>[] }[] = [
    {
      name: 'a syntax error names its line and column',
      text: 'apiVersion: vigil/v1\nkind: System\nmetadata: {name: a\nspec: {}\n',
      problems: [{ index: 1, kind: null, path: '', line: 4, column: 1, message: expect.stringMatching(/flow map/i) as unknown as string }],
    },
    {
      name: 'a key written twice is an error at the second one (uniqueKeys)',
      text: 'apiVersion: vigil/v1\nkind: System\nmetadata:\n  name: a\n  name: b\nspec: {}\n',
      problems: [{ index: 1, path: '', line: 5, column: 3, message: 'Map keys must be unique' }],
    },
    {
      name: 'a wrong apiVersion points at its value',
      text: 'apiVersion: vigil/v2\nkind: System\nmetadata: {name: a}\nspec: {}\n',
      problems: [{ kind: 'System', name: 'a', path: 'apiVersion', message: 'expected vigil/v1', line: 1, column: 13 }],
    },
    {
      name: 'an unknown top-level field (a typo of spec) and the missing spec',
      text: 'apiVersion: vigil/v1\nkind: Group\nmetadata: {name: a}\nspecs: {}\n',
      problems: [
        { path: 'spec', message: 'required (expected an object)', line: 1, column: 1 },
        { path: 'specs', message: 'Unknown field "specs"', line: 4, column: 1 },
      ],
    },
    {
      name: 'metadata of the wrong type, at the metadata key',
      text: 'apiVersion: vigil/v1\nkind: Group\nmetadata: payments\nspec: {}\n',
      problems: [{ kind: 'Group', name: null, path: 'metadata', message: 'expected an object, got a string', line: 3, column: 11 }],
    },
    {
      name: 'a wrong type inside metadata: a list is pointed at by its key',
      text: 'apiVersion: vigil/v1\nkind: Group\nmetadata:\n  name: a\n  labels:\n    team: [x]\nspec: {}\n',
      problems: [{ path: 'metadata.labels.team', message: 'expected a string, got a list', line: 6, column: 5 }],
    },
    {
      name: 'a document that is a list, not a mapping',
      text: '- a\n- b\n',
      problems: [{ kind: null, name: null, path: '', message: 'expected an object, got a list', line: 1, column: 1 }],
    },
    {
      name: 'the document counted from 1 in its file, past comment-only ones',
      text: `${envelope('Group', 'a')}---\n# nothing here\n---\napiVersion: vigil/v1\nkind: Group\nmetadata: {name: b}\n`,
      problems: [{ index: 3, name: 'b', path: 'spec', line: 9, column: 1 }],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const { problems } = parseDocuments('vigil.yaml', row.text);
      expect(problems).toEqual(row.problems.map((problem) => expect.objectContaining({ file: 'vigil.yaml', ...problem })));
    });
  }

  it('reads several documents from one file, each with its index; empty ones are not counted', () => {
    const text = `${envelope('Environment', 'prod')}---\n${envelope('Group', 'payments', '{description: money}')}---\n`;
    const { documents, count, problems } = parseDocuments('catalog.yml', text);
    expect(problems).toEqual([]);
    expect(count).toBe(2);
    expect(documents.map(({ file, index, kind, metadata, spec }) => ({ file, index, kind, metadata, spec }))).toEqual([
      { file: 'catalog.yml', index: 1, kind: 'Environment', metadata: { name: 'prod' }, spec: {} },
      { file: 'catalog.yml', index: 2, kind: 'Group', metadata: { name: 'payments' }, spec: { description: 'money' } },
    ]);
  });

  it('locates a field: a scalar at its value, a mapping or a missing field at the key above it', () => {
    const text = [
      'apiVersion: vigil/v1',
      'kind: System',
      'metadata: {name: a}',
      'spec:',
      '  healthchecks:',
      '    - ref: web',
      '      retention:',
      '        rawDays: 0',
      '  tags:',
    ].join('\n');
    const [document] = parseDocuments('s.yaml', text).documents;
    expect(document!.locate(['spec', 'healthchecks', 0, 'ref'])).toEqual({ line: 6, column: 12 });
    expect(document!.locate(['spec', 'healthchecks', 0, 'retention', 'rawDays'])).toEqual({ line: 8, column: 18 });
    expect(document!.locate(['spec', 'healthchecks', 0, 'retention'])).toEqual({ line: 7, column: 7 });
    expect(document!.locate(['spec', 'healthchecks', 0, 'stateThresholds', 'mode'])).toEqual({ line: 6, column: 7 });
    expect(document!.locate(['spec', 'tags'])).toEqual({ line: 9, column: 3 });
    expect(document!.locate(['spec', 'description'])).toEqual({ line: 4, column: 1 });
  });
});

describe('readDocuments: files and directories', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-documents-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads a directory recursively, *.yaml and *.yml in code-point order, skipping dot-folders and other files', async () => {
    const dir = join(root, 'tree');
    mkdirSync(join(dir, 'b', 'nested'), { recursive: true });
    mkdirSync(join(dir, '.github'), { recursive: true });
    writeFileSync(join(dir, 'b', 'nested', 'z.yml'), envelope('Group', 'z'));
    writeFileSync(join(dir, 'a.yaml'), envelope('Group', 'a'));
    writeFileSync(join(dir, 'B.yaml'), envelope('Group', 'upper'));
    writeFileSync(join(dir, 'notes.txt'), 'not: yaml documents');
    writeFileSync(join(dir, '.github', 'ci.yml'), 'on: push');
    const result = await readDocuments([dir]);
    expect(result.files).toEqual([join(dir, 'B.yaml'), join(dir, 'a.yaml'), join(dir, 'b', 'nested', 'z.yml')]);
    expect(result.documents.map((document) => document.metadata.name)).toEqual(['upper', 'a', 'z']);
    expect(result.problems).toEqual([]);
  });

  it('reads a file given twice once, and a file given by name whatever its extension', async () => {
    const file = join(root, 'vigil.conf');
    writeFileSync(file, envelope('Group', 'conf'));
    const result = await readDocuments([file, file]);
    expect(result.files).toEqual([file]);
    expect(result.count).toBe(1);
  });

  it('refuses a path that is not there, and a directory without YAML', async () => {
    await expect(readDocuments([join(root, 'missing')])).rejects.toThrow(new UnreadablePathError(`${join(root, 'missing')}: no such file or directory`));
    mkdirSync(join(root, 'empty'));
    await expect(readDocuments([join(root, 'empty')])).rejects.toThrow(/no \.yaml or \.yml file/);
  });
});
