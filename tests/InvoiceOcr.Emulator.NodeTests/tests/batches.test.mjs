// Batch mode through the official client (v1beta, where Google serves batches): inline and JSONL-file input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertSameShape, betaClient, fixture, ledger, plain } from './support.mjs';

const recorded = fixture('gc-200_structured-json_responseSchema_gemini-2.0-flash.response.json');
const structured = fixture('gc-200_structured-json_responseSchema_gemini-2.0-flash.request.json');

async function finished(ai, name) {
  for (let i = 0; i < 100; i++) {
    const job = await ai.batches.get({ name });
    if (!['JOB_STATE_PENDING', 'JOB_STATE_RUNNING'].includes(job.state)) {
      return job;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`batch ${name} did not finish`);
}

test('batches.create inline, get until done (v1beta): responses and a per-request error, billed at the batch tier', async () => {
  const ai = betaClient();
  const job = await ai.batches.create({
    model: 'gemini-2.0-flash',
    src: [
      { contents: structured.contents, config: structured.generationConfig, metadata: { key: 'good' } },
      { contents: [{ role: 'user', parts: [{ text: 'Bad' }] }], config: { maxOutputTokens: -5 }, metadata: { key: 'bad' } },
    ],
    config: { displayName: 'node-inline' },
  });
  assert.equal(job.state, 'JOB_STATE_PENDING');
  assert.match(job.name, /^batches\//);

  const done = await finished(ai, job.name);
  assert.equal(done.state, 'JOB_STATE_SUCCEEDED');
  const [good, bad] = done.dest.inlinedResponses;
  assertSameShape(recorded, plain(good.response));
  assert.deepEqual(good.metadata, { key: 'good' });
  assert.equal(bad.error.status, 'INVALID_ARGUMENT');

  const billed = (await ledger()).entries.filter((e) => e.method === 'batchGenerateContent');
  assert.ok(billed.length >= 1 && billed.every((e) => e.serviceTier === 'batch'));

  const names = [];
  for await (const item of await ai.batches.list({ config: { pageSize: 10 } })) {
    names.push(item.name);
  }
  assert.ok(names.includes(job.name));
  await ai.batches.delete({ name: job.name });
});

test('batches.create from a JSONL file (v1beta): results as a JSONL file the client downloads', async () => {
  const ai = betaClient();
  const lines = [
    { key: 'a', request: structured },
    { key: 'b', request: { contents: [{ role: 'user', parts: [{ text: 'Second?' }] }] } },
  ].map((l) => JSON.stringify(l)).join('\n');
  const input = await ai.files.upload({ file: new Blob([lines], { type: 'application/jsonl' }), config: { mimeType: 'application/jsonl' } });

  const job = await ai.batches.create({ model: 'gemini-2.0-flash', src: input.name });
  const done = await finished(ai, job.name);
  assert.equal(done.state, 'JOB_STATE_SUCCEEDED');
  assert.match(done.dest.fileName, /^files\/batch-/);

  const folder = await mkdtemp(join(tmpdir(), 'emulator-batch-'));
  const path = join(folder, 'results.jsonl');
  await ai.files.download({ file: done.dest.fileName, downloadPath: path });
  const results = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(results.map((r) => r.key), ['a', 'b']);
  assertSameShape(recorded, results[0].response);
});

test('batches.cancel (v1beta): a pending batch is cancelled and never billed', async () => {
  const ai = betaClient();
  const before = (await ledger()).entries.length;
  const job = await ai.batches.create({ model: 'gemini-2.5-flash', src: [{ contents: 'Cancel me.' }] });
  await ai.batches.cancel({ name: job.name });
  await new Promise((resolve) => setTimeout(resolve, 2500));

  assert.equal((await ai.batches.get({ name: job.name })).state, 'JOB_STATE_CANCELLED');
  assert.equal((await ledger()).entries.length, before);
});
