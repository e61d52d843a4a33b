// Every error shape, raised through the official client (default API version v1) and compared with the recordings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULT_KEY, apiError, assertSameShape, client, fixture, injectFault } from './support.mjs';

const generate = (ai, model = 'gemini-2.0-flash', contents = 'Hi') => () => ai.models.generateContent({ model, contents });

test('400 API_KEY_INVALID: the recorded shape', async () => {
  const { status, body } = await apiError(generate(client('test-key-node-unknown')));
  assert.equal(status, 400);
  assertSameShape(fixture('err-400_INVALID_ARGUMENT_API_KEY_INVALID.json'), body);
});

test('403 leaked key: the recorded PERMISSION_DENIED shape', async () => {
  const { status, body } = await apiError(generate(client('test-key-node-revoked')));
  assert.equal(status, 403);
  assertSameShape(fixture('err-403_PERMISSION_DENIED_unregistered-callers-no-key.json'), body);
});

test('403 no key: the recorded unregistered-callers body', async () => {
  const ai = new (await import('@google/genai')).GoogleGenAI({ apiKey: 'unused', httpOptions: { baseUrl: client().apiClient.clientOptions.httpOptions.baseUrl, headers: { 'x-goog-api-key': '' } } });
  const { status, body } = await apiError(generate(ai));
  assert.equal(status, 403);
  assert.deepEqual(body, fixture('err-403_PERMISSION_DENIED_unregistered-callers-no-key.json'));
});

test('404 unknown model (v1): the recorded shape, naming API version v1', async () => {
  const { status, body } = await apiError(generate(client(), 'wrong-model-name'));
  assert.equal(status, 404);
  assertSameShape(fixture('err-404_NOT_FOUND_model-not-found_v1beta.json'), body);
  assert.match(body.error.message, /is not found for API version v1,/);
});

test('429 quota: the recorded 2025 shape (QuotaFailure, Help, RetryInfo)', async () => {
  const ai = client('test-key-node-quota');
  await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'One.' });
  const { status, body } = await apiError(generate(ai));
  assert.equal(status, 429);
  assertSameShape(fixture('err-429_RESOURCE_EXHAUSTED_free-tier-TPM_2025-06_QuotaFailure-Help-RetryInfo.json'), body);
});

for (const [kind, status, recording] of [
  ['Internal', 500, 'err-500_INTERNAL.json'],
  ['Unavailable', 503, 'err-503_UNAVAILABLE_model-overloaded.json'],
  ['DeadlineExceeded', 504, 'err-500_INTERNAL.json'],
]) {
  test(`${status} ${kind}: the recorded shape`, async () => {
    await injectFault(kind);
    const error = await apiError(generate(client(FAULT_KEY)));
    assert.equal(error.status, status);
    assertSameShape(fixture(recording), error.body);
  });
}

test('400 payload too large: the recorded shape', async () => {
  const big = Buffer.alloc(2_100_000, 65).toString();
  const { status, body } = await apiError(generate(client(), 'gemini-2.0-flash', big));
  assert.equal(status, 400);
  assertSameShape(fixture('err-400_INVALID_ARGUMENT_request-payload-size-exceeds-limit.json'), body);
  assert.equal(body.error.message, 'Request payload size exceeds the limit: 2000000 bytes.');
});

test('400 invalid argument: Google\'s shape', async () => {
  const { status, body } = await apiError(() => client().models.generateContent({ model: 'gemini-2.0-flash', contents: 'Hi', config: { maxOutputTokens: -1 } }));
  assert.equal(status, 400);
  assert.equal(body.error.status, 'INVALID_ARGUMENT');
  assertSameShape(fixture('err-500_INTERNAL.json'), body);
});

test('billed-but-lost: a truncated body makes the client fail while the ledger bills the call', async () => {
  await injectFault('TruncatedBodyAfterBilling');
  const before = (await (await fetch(`${client().apiClient.clientOptions.httpOptions.baseUrl}/emulator/ledger`)).json()).entries.length;
  await assert.rejects(generate(client(FAULT_KEY))());
  const after = await (await fetch(`${client().apiClient.clientOptions.httpOptions.baseUrl}/emulator/ledger`)).json();
  assert.equal(after.entries.length, before + 1);
  assert.equal(after.entries.at(-1).fault, 'TruncatedBodyAfterBilling');
});
