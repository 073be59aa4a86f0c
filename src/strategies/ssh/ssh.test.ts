import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOnce, fieldsOf } from '../../../test/targets/check-once.ts';
import { startSshTarget } from '../../../test/targets/ssh.ts';
import type { SshTarget } from '../../../test/targets/ssh.ts';
import { sshStrategy } from './index.ts';

let server: SshTarget;
beforeAll(async () => {
  server = await startSshTarget();
});
afterAll(async () => server.close());

const ssh = (config: Record<string, unknown>, assertions: string[] = []) =>
  checkOnce({ strategy: 'ssh', config: { host: '127.0.0.1', port: server.port, username: server.username, password: server.password, ...config }, assertions });

describe('ssh strategy', () => {
  it('logs in and reports the host key fingerprint', async () => {
    const result = await ssh({});
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result)).toMatchObject({ hostKeyFingerprint: server.hostKeyFingerprint, connectMs: expect.any(Number) });
  });

  it('runs a command and reports exit code and output', async () => {
    const result = await ssh({ command: 'echo up; echo note >&2' }, ['stdout contains up', 'exitCode == 0']);
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result)).toMatchObject({ exitCode: 0, stdout: 'up\n', stderr: 'note\n' });
  });

  it('fails on a non-zero exit', async () => {
    const result = await ssh({ command: 'exit 4' });
    expect(result.message).toBe('Check failed: Command exited with code 4');
  });

  it('names a failed login and never shows the password', async () => {
    const result = await ssh({ password: 'wrong-password-123' });
    expect(result.message).toBe(`Check failed: SSH login failed for ${server.username}@127.0.0.1:${server.port}`);
    expect(JSON.stringify(result)).not.toContain('wrong-password-123');
  });

  it('fails when the host key differs from the pinned one', async () => {
    const result = await ssh({ hostKeyFingerprint: 'SHA256:somethingElse' });
    expect(result.message).toBe(`Check failed: SSH host key of 127.0.0.1:${server.port} is ${server.hostKeyFingerprint}, expected SHA256:somethingElse`);
    expect((await ssh({ hostKeyFingerprint: server.hostKeyFingerprint })).status).toBe('healthy');
  });

  it('names a refused port', async () => {
    const result = await checkOnce({ strategy: 'ssh', config: { host: '127.0.0.1', port: 1, username: 'x' } });
    expect(result.message).toBe('Check failed: Connection refused to 127.0.0.1:1');
  });

  it('reads user@host:port targets', () => {
    expect(sshStrategy.target.toConfig('deploy@10.0.0.5:2222')).toEqual({ username: 'deploy', host: '10.0.0.5', port: 2222 });
    expect(sshStrategy.target.toConfig('deploy@bastion')).toEqual({ username: 'deploy', host: 'bastion', port: 22 });
    expect(() => sshStrategy.target.toConfig('bastion')).toThrow(/user@host/);
  });
});
