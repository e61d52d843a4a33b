// streamGenerateContent (SSE) through the official client, default API version (v1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULT_KEY, assertSameShape, client, fixture, injectFault, plain } from './support.mjs';

test('generateContentStream (v1): events have the recorded shape, the last one the full usage', async () => {
  const request = fixture('gc-200_structured-json_responseSchema_gemini-2.0-flash.request.json');
  const recorded = fixture('sse-200_structured-json_responseSchema_gemini-2.0-flash.chunks.json');

  const chunks = [];
  for await (const chunk of await client().models.generateContentStream({ model: 'gemini-2.0-flash', contents: request.contents, config: request.generationConfig })) {
    chunks.push(plain(chunk));
  }

  assert.ok(chunks.length > 2);
  assertSameShape(recorded[0], chunks[0]);
  assertSameShape(recorded.at(-1), chunks.at(-1));
  assert.equal(chunks.at(-1).usageMetadata.promptTokenCount, 34); // Real: 33.
  assert.ok(chunks[0].usageMetadata.promptTokenCount < 34, 'early events leave the schema out, as recorded');
  JSON.parse(chunks.map((c) => c.candidates[0].content.parts[0].text).join(''));
});

test('generateContentStream: a connection reset delivers the first event, then the client fails', async () => {
  await injectFault('ConnectionResetAfterBilling');
  const received = [];
  await assert.rejects(async () => {
    for await (const chunk of await client(FAULT_KEY).models.generateContentStream({ model: 'gemini-2.0-flash', contents: 'Tell me a long story about invoices.' })) {
      received.push(chunk);
    }
  });
  assert.equal(received.length, 1);
});
