import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/box/config.ts';

function configFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'ld-config-')), 'config.json');
  writeFileSync(file, content);
  return file;
}

describe('loadConfig', () => {
  it('has safe defaults: loopback only, port 8080, auto backend', () => {
    const c = loadConfig({});
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(8080);
    expect(c.backend).toBe('auto');
    expect(c.hubUrl).toBeNull();
  });

  it('layers defaults, then the JSON file, then the environment', () => {
    const file = configFile(JSON.stringify({ port: 9000, backend: 'onnxruntime', logLevel: 'warn' }));
    expect(loadConfig({ LEUKODIFF_CONFIG: file }).port).toBe(9000);
    const c = loadConfig({ LEUKODIFF_CONFIG: file, PORT: '9100', LEUKODIFF_DATA: '/tmp/x' });
    expect(c.port).toBe(9100);
    expect(c.backend).toBe('onnxruntime');
    expect(c.dataDir).toBe('/tmp/x');
    expect(c.logLevel).toBe('warn');
  });

  it('prefers LEUKODIFF_PORT over PORT', () => {
    expect(loadConfig({ PORT: '1', LEUKODIFF_PORT: '2' }).port).toBe(2);
  });

  it.each([
    [{ LEUKODIFF_PORT: 'eighty' }, /port: expected an integer/],
    [{ LEUKODIFF_PORT: '70000' }, /port/],
    [{ LEUKODIFF_BACKEND: 'cuda' }, /backend: expected one of auto, tensorrt, onnxruntime/],
    [{ LEUKODIFF_HUB_URL: 'ftp://hub' }, /hubUrl: expected an http\(s\) URL/],
  ])('refuses a bad value with an error naming the key (%o)', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('refuses an unreadable, malformed or unknown-keyed config file', () => {
    expect(() => loadConfig({ LEUKODIFF_CONFIG: '/nonexistent/config.json' })).toThrow(/config file \/nonexistent/);
    expect(() => loadConfig({ LEUKODIFF_CONFIG: configFile('{port: 1') })).toThrow(ConfigError);
    expect(() => loadConfig({ LEUKODIFF_CONFIG: configFile('[1]') })).toThrow(/expected a JSON object/);
    expect(() => loadConfig({ LEUKODIFF_CONFIG: configFile('{"prot": 1}') })).toThrow(/unknown key 'prot'/);
  });
});
