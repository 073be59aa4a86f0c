import type { ReactNode } from 'react';

/** JSON Schema as GET /strategies describes a config: the form is generated, never written per strategy. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  'x-vigil-templatable'?: boolean;
  'x-vigil-secret'?: boolean;
}

type Value = Record<string, unknown>;
export type FieldErrors = Map<string, string>;

const idOf = (path: string[]) => `f-${path.join('-').replace(/[^\w-]/g, '_')}`;
const typeOf = (schema: JsonSchema) => (Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type);
const label = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

/** Every property of an object schema as a field; values left empty stay out (the defaults apply). */
export function SchemaForm({ schema, value, onChange, path, errors, disabled }: { schema: JsonSchema; value: Value; onChange(next: Value): void; path: string[]; errors: FieldErrors; disabled?: boolean }) {
  const properties = Object.entries(schema.properties ?? {}).filter(([name]) => name !== 'version');
  if (!properties.length) return <p className="hint">Nothing to configure.</p>;
  return (
    <>
      {properties.map(([name, property]) => (
        <SchemaField
          key={name}
          name={name}
          schema={property}
          required={schema.required?.includes(name) ?? false}
          value={value[name]}
          path={[...path, name]}
          errors={errors}
          disabled={disabled}
          onChange={(next) => {
            const copy = { ...value };
            if (next === undefined) delete copy[name];
            else copy[name] = next;
            onChange(copy);
          }}
        />
      ))}
    </>
  );
}

function hints(schema: JsonSchema): ReactNode {
  const parts: string[] = [];
  if (schema.description) parts.push(schema.description);
  if (schema.default !== undefined && typeof schema.default !== 'object') parts.push(`default ${String(schema.default)}`);
  if (schema.minimum !== undefined || schema.maximum !== undefined) parts.push(`${schema.minimum ?? '…'}–${schema.maximum !== undefined && schema.maximum < 1e15 ? schema.maximum : '…'}`);
  if (schema['x-vigil-templatable']) parts.push('templates allowed, e.g. {{ environment.host }}');
  if (schema['x-vigil-secret']) parts.push('secret: write {{ secrets.NAME }} to use a stored secret');
  return parts.length ? parts.join(' · ') : undefined;
}

function SchemaField({ name, schema, required, value, onChange, path, errors, disabled }: { name: string; schema: JsonSchema; required: boolean; value: unknown; onChange(next: unknown): void; path: string[]; errors: FieldErrors; disabled?: boolean }) {
  const id = idOf(path);
  const error = errors.get(path.join('.'));
  const type = typeOf(schema);
  const describedBy = [hints(schema) ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, disabled, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy, 'data-path': path.join('.') };
  const title = (
    <>
      {label(name)}
      {required && <span aria-hidden="true"> *</span>}
      {schema['x-vigil-templatable'] && <span className="tag">template</span>}
      {schema['x-vigil-secret'] && <span className="tag">secret</span>}
    </>
  );
  const wrap = (control: ReactNode) => (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{title}</label>
      {control}
      {hints(schema) && <small className="hint" id={`${id}-hint`}>{hints(schema)}</small>}
      {error && <small className="field-error" id={`${id}-error`} role="alert">{error}</small>}
    </div>
  );

  if (schema.enum) {
    return wrap(
      <select {...common} required={required} value={value === undefined ? '' : String(value)} onChange={(e) => onChange(e.target.value === '' ? undefined : schema.enum!.find((v) => String(v) === e.target.value))}>
        <option value="">{schema.default !== undefined ? `Default (${String(schema.default)})` : '—'}</option>
        {schema.enum.map((v) => <option key={String(v)} value={String(v)}>{String(v)}</option>)}
      </select>,
    );
  }
  if (type === 'boolean') {
    const checked = value === undefined ? Boolean(schema.default) : Boolean(value);
    return (
      <div className={`field check${error ? ' invalid' : ''}`}>
        <label htmlFor={id}>
          <input {...common} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} /> {title}
        </label>
        {hints(schema) && <small className="hint" id={`${id}-hint`}>{hints(schema)}</small>}
        {error && <small className="field-error" id={`${id}-error`} role="alert">{error}</small>}
      </div>
    );
  }
  if (type === 'integer' || type === 'number') {
    return wrap(
      <input {...common} type="number" inputMode="numeric" required={required} step={type === 'integer' ? 1 : 'any'} min={schema.minimum} max={schema.maximum !== undefined && schema.maximum < 1e15 ? schema.maximum : undefined}
        placeholder={schema.default !== undefined ? String(schema.default) : undefined} value={value === undefined ? '' : String(value)}
        onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))} />,
    );
  }
  if (type === 'string') {
    return wrap(
      <input {...common} type={schema['x-vigil-secret'] ? 'password' : 'text'} autoComplete="off" required={required} placeholder={typeof schema.default === 'string' ? schema.default : undefined}
        value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)} />,
    );
  }
  if (type === 'array' && schema.items && ['string', 'integer', 'number'].includes(typeOf(schema.items) ?? '')) {
    const numeric = typeOf(schema.items) !== 'string';
    const text = Array.isArray(value) ? value.join('\n') : '';
    return wrap(
      <textarea {...common} rows={2} placeholder="One per line" defaultValue={text}
        onBlur={(e) => {
          const lines = e.target.value.split(/[\n,]/).map((l) => l.trim()).filter(Boolean);
          onChange(lines.length ? lines.map((l) => (numeric ? Number(l) : l)) : undefined);
        }} />,
    );
  }
  if (type === 'object' && schema.properties) {
    return (
      <fieldset className="nested">
        <legend>{title}</legend>
        <SchemaForm schema={schema} value={(value as Value) ?? {}} onChange={(next) => onChange(Object.keys(next).length ? next : undefined)} path={path} errors={errors} disabled={disabled} />
        {error && <small className="field-error" role="alert">{error}</small>}
      </fieldset>
    );
  }
  if (type === 'object' && typeof schema.additionalProperties === 'object' && typeOf(schema.additionalProperties) === 'string') {
    const text = value && typeof value === 'object' ? Object.entries(value as Record<string, string>).map(([k, v]) => `${k}: ${v}`).join('\n') : '';
    return wrap(
      <textarea {...common} rows={2} placeholder="Name: value, one per line" defaultValue={text}
        onBlur={(e) => {
          const entries = e.target.value.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
            const at = l.indexOf(':');
            return at < 0 ? [l, ''] : [l.slice(0, at).trim(), l.slice(at + 1).trim()];
          });
          onChange(entries.length ? Object.fromEntries(entries) : undefined);
        }} />,
    );
  }
  // Anything else (unions, nested arrays): JSON, checked by the validate endpoint.
  return wrap(
    <textarea {...common} rows={3} placeholder="JSON" defaultValue={value === undefined ? '' : JSON.stringify(value, null, 1)}
      onBlur={(e) => {
        if (!e.target.value.trim()) return onChange(undefined);
        try {
          onChange(JSON.parse(e.target.value));
        } catch {
          onChange(e.target.value);
        }
      }} />,
  );
}
