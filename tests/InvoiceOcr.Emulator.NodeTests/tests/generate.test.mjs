// generateContent through the official client with its default API version (v1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSameShape, betaClient, client, fixture, plain, smallPng } from './support.mjs';

function asParams(model, request) {
  const { contents, generationConfig, systemInstruction, safetySettings } = request;
  return { model, contents, config: { ...(generationConfig ?? {}), ...(systemInstruction ? { systemInstruction } : {}), ...(safetySettings ? { safetySettings } : {}) } };
}

for (const stem of [
  'gc-200_structured-json_responseSchema_gemini-2.0-flash',
  'gc-200_systemInstruction_gemini-2.0-flash',
  'gc-200_safetySettings_gemini-2.0-flash',
  'gc-200_generationConfig_finishReason-MAX_TOKENS_gemini-2.0-flash',
]) {
  test(`generateContent (v1): ${stem} parses and has the recorded shape`, async () => {
    const recorded = fixture(`${stem}.response.json`);
    const response = await client().models.generateContent(asParams('gemini-2.0-flash', fixture(`${stem}.request.json`)));

    assert.equal(typeof response.text, 'string');
    assertSameShape(recorded, plain(response));
    const real = recorded.usageMetadata.promptTokenCount;
    const emulated = response.usageMetadata.promptTokenCount;
    assert.ok(Math.abs(emulated - real) / real <= 0.1, `prompt tokens: real ${real}, emulated ${emulated}`);
  });
}

test('generateContent (v1): structured output is JSON the client reads', async () => {
  const response = await client().models.generateContent(asParams('gemini-2.0-flash', fixture('gc-200_structured-json_responseSchema_gemini-2.0-flash.request.json')));
  const answer = JSON.parse(response.text);
  assert.deepEqual(Object.keys(answer), ['title', 'population', 'capital', 'continent', 'language']);
});

test('generateContent (v1): image file, thoughts and an implicit cache hit have the recorded 2.5-flash shape', async () => {
  const file = await betaClient().files.upload({ file: new Blob([smallPng()], { type: 'image/png' }), config: { mimeType: 'image/png' } });
  const params = {
    model: 'gemini-2.5-flash',
    contents: [{ role: 'user', parts: [{ text: 'What is in this image?' }, { fileData: { fileUri: file.uri, mimeType: 'image/png' } }] }],
  };

  await client().models.generateContent(params);
  const second = await client().models.generateContent(params);

  const recorded = fixture('gc-200_image-fileData_gemini-2.5-flash_IMAGE258_implicit-cache_thoughts.response.json');
  assertSameShape(recorded, plain(second), { absentOk: ['turnToken'] });
  assert.equal(second.usageMetadata.promptTokenCount, 264);
  assert.equal(second.usageMetadata.cachedContentTokenCount, 264);
  assert.equal(second.usageMetadata.thoughtsTokenCount, 120);
  assert.equal(second.usageMetadata.totalTokenCount, 264 + second.usageMetadata.candidatesTokenCount + 120);
});

test('generateContent (v1): thinkingBudget 0 bills no thoughts; includeThoughts returns a thought part and a signature', async () => {
  const off = await client().models.generateContent({ model: 'gemini-2.5-flash', contents: 'Think not.', config: { thinkingConfig: { thinkingBudget: 0 } } });
  const on = await client().models.generateContent({ model: 'gemini-2.5-flash', contents: 'Think aloud.', config: { thinkingConfig: { includeThoughts: true } } });

  assert.equal(off.usageMetadata.thoughtsTokenCount, undefined);
  const parts = on.candidates[0].content.parts;
  assert.equal(parts[0].thought, true);
  assert.equal(typeof parts[1].thoughtSignature, 'string');
  assert.equal(on.usageMetadata.thoughtsTokenCount, 120);
});
