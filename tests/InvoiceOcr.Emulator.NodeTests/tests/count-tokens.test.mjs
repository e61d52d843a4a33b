// countTokens through the official client, default API version (v1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSameShape, fixture, recordingClient } from './support.mjs';

test('countTokens (v1): the client parses it; the wire has the recorded shape and the generate request\'s count', async () => {
  const { ai, wire } = recordingClient();
  const response = await ai.models.countTokens({ model: 'gemini-2.0-flash', contents: 'Why is the sky blue?' });

  assert.equal(response.totalTokens, 6); // Real (the recorded generate of the same text): 6.
  // The client keeps only totalTokens; the wire carries promptTokensDetails too. totalBillableCharacters is Vertex-only.
  assertSameShape(fixture('countTokens-200_IMAGE1806_vertex-shape.response.json'), wire(), { absentOk: ['totalBillableCharacters'] });
});
