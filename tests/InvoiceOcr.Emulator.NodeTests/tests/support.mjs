// Shared helpers: the client factory, fixtures and the shape comparison every test uses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GoogleGenAI } from '@google/genai';

export const baseUrl = (process.env.EMULATOR_URL ?? '').replace(/\/$/, '');
if (!baseUrl) {
  throw new Error('EMULATOR_URL is not set: run the suite with run.sh');
}

const fixtures = process.env.GEMINI_FIXTURES;

export const KEY = 'test-key-node-1';
export const FAULT_KEY = 'test-key-node-faults';

/** The official client with its defaults (API version v1), pointed at the emulator. */
export function client(apiKey = KEY) {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl } });
}

/** The official client for methods that exist only in v1beta (files, caches, batches), as Google serves them. */
export function betaClient(apiKey = KEY) {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl, apiVersion: 'v1beta' } });
}

export function fixture(name) {
  return JSON.parse(readFileSync(join(fixtures, name), 'utf8'));
}

/** The client's parsed object as plain JSON, without the client's own bookkeeping. */
export function plain(value) {
  const copy = JSON.parse(JSON.stringify(value));
  delete copy.sdkHttpResponse;
  return copy;
}

function kind(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Asserts that `actual` has the recorded fixture's field names and JSON types, recursively (arrays by their first
 * element). `absentOk` lists dotted paths the fixture has that this answer may lack (fields that depend on the request),
 * `extraOk` paths the answer may add.
 */
export function assertSameShape(expected, actual, { absentOk = [], extraOk = [] } = {}, path = '') {
  assert.equal(kind(actual), kind(expected), `${path || '(root)'}: type ${kind(actual)} where the recording has ${kind(expected)}`);
  if (kind(expected) === 'array') {
    if (expected.length > 0 && actual.length > 0) {
      assertSameShape(expected[0], actual[0], { absentOk, extraOk }, `${path}[]`);
    }
    return;
  }

  if (kind(expected) !== 'object') {
    return;
  }

  for (const key of Object.keys(expected)) {
    const child = path ? `${path}.${key}` : key;
    if (!(key in actual)) {
      assert.ok(absentOk.includes(child), `${child}: missing (the recording has it)`);
      continue;
    }

    assertSameShape(expected[key], actual[key], { absentOk, extraOk }, child);
  }

  for (const key of Object.keys(actual)) {
    const child = path ? `${path}.${key}` : key;
    assert.ok(key in expected || extraOk.includes(child), `${child}: not in the recording`);
  }
}

/** Scripts a fault through the emulator's control endpoint. */
export async function injectFault(kind, keyId = 'node-faults', count = 1) {
  const response = await fetch(`${baseUrl}/emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind, count, keyId }),
  });
  assert.equal(response.status, 200);
}

/** The emulator's billing ledger. */
export async function ledger() {
  const response = await fetch(`${baseUrl}/emulator/ledger`);
  return response.json();
}

/** Runs a call that must fail and returns the official client's ApiError with its parsed JSON body. */
export async function apiError(call) {
  try {
    await call();
  } catch (error) {
    assert.equal(error.name, 'ApiError', `expected the client's ApiError, got ${error}`);
    return { status: error.status, body: JSON.parse(error.message) };
  }

  assert.fail('the call succeeded');
}

/** A PNG header (signature and IHDR) with the given size: enough for the emulator to count its tokens. */
export function smallPng(width = 320, height = 240) {
  const bytes = new Uint8Array(33);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(bytes.buffer).setUint32(16, width);
  new DataView(bytes.buffer).setUint32(20, height);
  bytes[24] = 8;
  bytes[25] = 2;
  return bytes;
}

/**
 * The official client (default API version v1) with a fetch that keeps the last raw response body, for answers the
 * client maps to fewer fields than the wire carries (countTokens keeps only totalTokens).
 */
export function recordingClient(apiKey = KEY) {
  const seen = { body: undefined };
  const recordingFetch = async (url, init) => {
    const response = await fetch(url, init);
    seen.body = await response.clone().text();
    return response;
  };
  return { ai: new GoogleGenAI({ apiKey, httpOptions: { baseUrl, fetch: recordingFetch } }), wire: () => JSON.parse(seen.body) };
}
