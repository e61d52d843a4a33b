// models.list and models.get through the official client, default API version (v1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client } from './support.mjs';

const modelShape = { name: 'string', version: 'string', displayName: 'string', inputTokenLimit: 'number', outputTokenLimit: 'number' };

test('models.list (v1): pages through every model with pageSize', async () => {
  const names = [];
  const pager = await client().models.list({ config: { pageSize: 2 } });
  for await (const model of pager) {
    names.push(model.name);
    for (const [field, type] of Object.entries(modelShape)) {
      assert.equal(typeof model[field], type, `${model.name}.${field}`);
    }
  }

  assert.deepEqual(names, ['models/gemini-2.0-flash', 'models/gemini-2.5-flash', 'models/gemini-2.5-pro']);
});

test('models.get (v1): one model', async () => {
  const model = await client().models.get({ model: 'gemini-2.5-flash' });
  assert.equal(model.name, 'models/gemini-2.5-flash');
  assert.equal(model.inputTokenLimit, 1048576);
});
