// Renders /openapi.json: every path and method the server answers, with its request and response schemas.
'use strict';

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

let components = {};

function resolve(schema) {
  return schema && schema.$ref ? components[schema.$ref.split('/').pop()] : schema;
}

function typeName(schema) {
  if (!schema) return 'any';
  if (schema.$ref) return schema.$ref.split('/').pop();
  let t = schema.type || 'any';
  if (t === 'array') t = typeName(schema.items) + '[]';
  if (t === 'object' && schema.additionalProperties) t = '{string: ' + typeName(schema.additionalProperties) + '}';
  if (schema.nullable) t += ' | null';
  return t;
}

// a schema as nested lines: name: type = default - description; objects and referenced objects unfold once
function renderSchema(schema, seen) {
  const box = el('div', 'schema');
  const s = resolve(schema);
  if (!s) { box.textContent = 'any JSON'; return box; }
  if (s.description && !s.properties) box.append(el('div', 'note', s.description));
  const props = s.properties;
  if (s.type === 'array') {
    box.append(el('div', 'type', typeName(schema)));
    const item = resolve(s.items);
    if (item && item.properties) box.append(renderSchema(s.items, seen));
    return box;
  }
  if (!props) { box.append(el('div', 'type', typeName(schema))); return box; }
  const required = new Set(s.required || []);
  for (const [name, p] of Object.entries(props)) {
    const line = el('div', 'prop');
    line.append(el('span', 'name', name + (required.has(name) ? '*' : '')), ': ', el('span', 'type', typeName(p)));
    if (p.default !== undefined) line.append(' = ' + JSON.stringify(p.default));
    if (p.enum) line.append(' (one of ' + p.enum.join(', ') + ')');
    if (p.description) line.append(el('span', 'note', ' - ' + p.description));
    box.append(line);
    const inner = resolve(p.type === 'array' ? p.items : p.additionalProperties || p);
    const key = (p.$ref || (p.items && p.items.$ref) || (p.additionalProperties && p.additionalProperties.$ref) || '');
    if (inner && inner.properties && inner !== s && !seen.has(key)) box.append(renderSchema(inner, new Set([...seen, key])));
  }
  return box;
}

function render(doc) {
  components = (doc.components && doc.components.schemas) || {};
  document.getElementById('description').textContent = doc.info.description;
  const out = document.getElementById('operations');
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item))
      (byTag[op.tags[0]] = byTag[op.tags[0]] || []).push({path, method, op});
  for (const [tag, ops] of Object.entries(byTag)) {
    out.append(el('h2', null, tag === 'sdapi' ? 'WebUI API (/sdapi/v1)' : tag === 'internal' ? 'Internal' : 'Page and documentation'));
    for (const {path, method, op} of ops) {
      const d = el('details', 'op');
      d.dataset.route = method.toUpperCase() + ' ' + path;
      const sum = el('summary');
      sum.append(el('span', 'method ' + method, method.toUpperCase()), el('span', 'path', path), el('span', 'summary', op.summary));
      const body = el('div', 'body');
      for (const p of op.parameters || []) body.append(el('div', 'note', `query ${p.name}: ${typeName(p.schema)}`));
      if (op.requestBody) {
        body.append(el('h3', null, 'Request body (JSON)'));
        body.append(renderSchema(op.requestBody.content['application/json'].schema, new Set()));
      }
      const ok = op.responses['200'];
      const [type, media] = Object.entries(ok.content)[0];
      body.append(el('h3', null, 'Response 200 (' + type + ')'));
      body.append(renderSchema(media.schema, new Set()));
      if (op.security) body.append(el('div', 'note', 'needs HTTP basic authentication'));
      d.append(sum, body);
      out.append(d);
    }
  }
  document.getElementById('status').textContent = Object.keys(doc.paths).length + ' paths';
}

fetch('/openapi.json').then(r => r.json()).then(render)
  .catch(e => { document.getElementById('status').textContent = 'cannot read /openapi.json: ' + e.message; });
