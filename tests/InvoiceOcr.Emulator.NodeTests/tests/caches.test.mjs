// Explicit caching through the official client (v1beta, where Google serves cachedContents).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiError, betaClient, client, fixture, assertSameShape, plain } from './support.mjs';

const manual = 'Extract every invoice field exactly as printed. '.repeat(20); // 160 tokens, over the configured minimum of 100.
const cacheShape = { name: 'string', displayName: 'string', model: 'string', createTime: 'string', updateTime: 'string', expireTime: 'string', usageMetadata: 'object' };

test('caches.create/get/list/update/delete (v1beta), and generateContent with cachedContent bills it as cached', async () => {
  const ai = betaClient();
  const cache = await ai.caches.create({
    model: 'gemini-2.5-flash',
    config: { contents: [{ role: 'user', parts: [{ text: manual }] }], displayName: 'manual', ttl: '300s' },
  });
  for (const [field, type] of Object.entries(cacheShape)) {
    assert.equal(typeof cache[field], type, field);
  }
  assert.equal(cache.usageMetadata.totalTokenCount, 160);

  assert.equal((await ai.caches.get({ name: cache.name })).name, cache.name);
  const listed = [];
  for await (const item of await ai.caches.list()) {
    listed.push(item.name);
  }
  assert.ok(listed.includes(cache.name));

  const updated = await ai.caches.update({ name: cache.name, config: { ttl: '7200s' } });
  assert.ok(Date.parse(updated.expireTime) > Date.parse(cache.expireTime));

  const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Why is the sky blue?', config: { cachedContent: cache.name } });
  assertSameShape(fixture('gc-200_image-fileData_gemini-2.5-flash_IMAGE258_implicit-cache_thoughts.response.json'), plain(response), { absentOk: ['turnToken'] });
  assert.equal(response.usageMetadata.cachedContentTokenCount, 160);
  assert.equal(response.usageMetadata.promptTokenCount, 166);

  await ai.caches.delete({ name: cache.name });
  const { status, body } = await apiError(() => ai.caches.get({ name: cache.name }));
  assert.equal(status, 403);
  assertSameShape(fixture('err-403_PERMISSION_DENIED_unregistered-callers-no-key.json'), body);
});

test('generateContent (v1) naming an unknown cache: Google\'s 403', async () => {
  const { status, body } = await apiError(() => client().models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hi', config: { cachedContent: 'cachedContents/doesnotexist' } }));
  assert.equal(status, 403);
  assert.equal(body.error.message, 'CachedContent not found (or permission denied)');
});

test('caches.create under the model\'s minimum: Google\'s 400', async () => {
  const { status, body } = await apiError(() => betaClient().caches.create({ model: 'gemini-2.5-flash', config: { contents: [{ role: 'user', parts: [{ text: 'Too short.' }] }] } }));
  assert.equal(status, 400);
  assert.match(body.error.message, /^Cached content is too small\. total_token_count=3, min_total_token_count=100$/);
});
