// The jdiffusion page: a thin client of the WebUI API (/sdapi/v1/...), no framework, no build step.
'use strict';

const $ = id => document.getElementById(id);
const api = (path, body) => fetch('/sdapi/v1/' + path, body === undefined ? {} : {
  method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)
}).then(async r => {
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error((data && (data.detail || data.error)) || r.statusText);
  return data;
});

let models = [];
let polling = null;

function option(select, value, label) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label === undefined ? value : label;
  select.appendChild(o);
}

function status(text) { $('status').textContent = text; }

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = !message;
}

async function load() {
  const [samplers, schedulers, sdModels, options, loras, embeddings] = await Promise.all([
    api('samplers'), api('schedulers'), api('sd-models'), api('options'), api('loras'), api('embeddings')]);
  samplers.forEach(s => option($('sampler'), s.name));
  $('sampler').value = 'DPM++ 2M';
  schedulers.forEach(s => option($('scheduler'), s.label));
  showModels(sdModels, options.sd_model_checkpoint);
  loras.forEach(l => option($('lora'), l.name));
  Object.keys(embeddings.loaded).forEach(name => option($('embedding'), name));
  status('ready');
}

// titles gain the model hash once a model has been loaded: refill the list, keeping the selection
function showModels(sdModels, selected) {
  models = sdModels;
  $('model').replaceChildren();
  sdModels.forEach(m => option($('model'), m.title));
  const bare = (selected || '').replace(/ \[[0-9a-f]+\]$/, '');
  const current = sdModels.find(m => m.title === selected || m.title.replace(/ \[[0-9a-f]+\]$/, '') === bare);
  if (current) $('model').value = current.title;
}

function insertAtCursor(text) {
  const p = $('prompt');
  const at = p.selectionStart === undefined ? p.value.length : p.selectionEnd;
  const before = p.value.slice(0, at), after = p.value.slice(at);
  const sep = before && !/[\s,]$/.test(before) ? ', ' : '';
  p.value = before + sep + text + after;
  p.focus();
  p.selectionStart = p.selectionEnd = (before + sep + text).length;
}

function request() {
  const num = id => Number($(id).value);
  const controlNetUnits = typeof controlNet === 'undefined' ? null : controlNet.args();
  return {
    ...(controlNetUnits ? {alwayson_scripts: {controlnet: {args: controlNetUnits}}} : {}),
    prompt: $('prompt').value,
    negative_prompt: $('negative').value,
    sampler_name: $('sampler').value,
    scheduler: $('scheduler').value,
    steps: num('steps'),
    cfg_scale: num('cfg'),
    width: num('width'),
    height: num('height'),
    seed: num('seed'),
    batch_size: num('batch_size'),
    n_iter: num('n_iter'),
    override_settings: $('model').value ? {sd_model_checkpoint: $('model').value} : {},
    override_settings_restore_afterwards: false,
  };
}

function setProgress(fraction, text) {
  $('progress').hidden = false;
  $('progress-fill').style.width = (100 * Math.max(0, Math.min(1, fraction))).toFixed(1) + '%';
  $('progress-fill').dataset.value = fraction.toFixed(4);
  $('progress-text').textContent = text;
}

async function poll() {
  try {
    const p = await api('progress');
    if (p.state.job_count > 0) {
      const s = p.state;
      const step = s.sampling_steps ? ` step ${s.sampling_step}/${s.sampling_steps}` : '';
      const eta = p.eta_relative > 0 ? `, ETA ${p.eta_relative.toFixed(1)}s` : '';
      setProgress(p.progress, `${Math.round(100 * p.progress)}%${step}${eta}`);
    } else if (p.state.queued > 0) {
      setProgress(0, `waiting: ${p.state.queued} in the queue`);
    }
    if (p.current_image) {
      $('preview').src = 'data:image/png;base64,' + p.current_image;
      $('preview').hidden = false;
    }
  } catch (e) { /* the next poll will tell */ }
}

function addToGallery(image, infotext) {
  const fig = document.createElement('figure');
  const img = document.createElement('img');
  img.src = 'data:image/png;base64,' + image;
  img.alt = infotext.split('\n')[0];
  const cap = document.createElement('figcaption');
  cap.textContent = infotext;
  fig.append(img, cap);
  $('gallery').prepend(fig);
}

async function generate(event) {
  event.preventDefault();
  showError('');
  $('generate').disabled = true;
  $('interrupt').disabled = false;
  setProgress(0, 'starting');
  status('generating');
  polling = setInterval(poll, 250);
  try {
    const result = await api('txt2img', request());
    const info = JSON.parse(result.info);
    result.images.forEach((img, i) => addToGallery(img, info.infotexts[i] || ''));
    api('sd-models').then(list => showModels(list, $('model').value)).catch(() => {});
    setProgress(1, info.interrupted ? `interrupted: ${result.images.length} image(s)` : `done: ${result.images.length} image(s), seed ${info.seed}`);
    status('ready');
  } catch (e) {
    showError(e.message);
    status('failed');
  } finally {
    clearInterval(polling);
    $('generate').disabled = false;
    $('interrupt').disabled = true;
    $('preview').hidden = true;
  }
}

// The WebUI's infotext: prompt lines, "Negative prompt: ..." lines, then "Key: value, Key: "quoted, value", ..."
const PARAM = /\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;

function parseInfotext(text) {
  const lines = text.trim().split('\n');
  let last = lines.pop() || '';
  if ([...last.matchAll(PARAM)].length < 3) { lines.push(last); last = ''; }
  let prompt = '', negative = '', inNegative = false;
  for (let line of lines) {
    line = line.trim();
    if (line.startsWith('Negative prompt:')) { inNegative = true; line = line.slice(16).trim(); }
    if (inNegative) negative += (negative ? '\n' : '') + line;
    else prompt += (prompt ? '\n' : '') + line;
  }
  const params = {};
  for (const m of last.matchAll(PARAM)) {
    let v = m[2].trim();
    if (v.startsWith('"') && v.endsWith('"')) { try { v = JSON.parse(v); } catch (e) { /* keep as is */ } }
    params[m[1].trim()] = v;
  }
  return {prompt, negative, params};
}

function selectByLabel(select, label) {
  const wanted = label.toLowerCase();
  const o = [...select.options].find(o => o.value.toLowerCase() === wanted);
  if (o) select.value = o.value;
  return !!o;
}

function applyInfotext() {
  const {prompt, negative, params} = parseInfotext($('paste').value);
  $('prompt').value = prompt;
  $('negative').value = negative;
  if (params['Steps']) $('steps').value = params['Steps'];
  if (params['CFG scale']) $('cfg').value = params['CFG scale'];
  if (params['Seed']) $('seed').value = params['Seed'];
  if (params['Size']) {
    const [w, h] = params['Size'].split('x');
    $('width').value = w;
    $('height').value = h;
  }
  let schedule = params['Schedule type'] || 'Automatic';
  if (params['Sampler'] && !selectByLabel($('sampler'), params['Sampler'])) {
    // legacy names carry the schedule: "DPM++ 2M Karras"
    for (const s of [...$('scheduler').options].map(o => o.value)) {
      if (params['Sampler'].toLowerCase().endsWith(' ' + s.toLowerCase())
          && selectByLabel($('sampler'), params['Sampler'].slice(0, -s.length - 1))) {
        if (!params['Schedule type']) schedule = s;
        break;
      }
    }
  }
  selectByLabel($('scheduler'), schedule);
  if (params['Model']) {
    const m = models.find(m => m.model_name === params['Model'] || (params['Model hash'] && m.hash === params['Model hash']));
    if (m) $('model').value = m.title;
  }
}

$('form').addEventListener('submit', generate);
$('interrupt').addEventListener('click', () => api('interrupt', {}));
$('lora-insert').addEventListener('click', () => $('lora').value && insertAtCursor(`<lora:${$('lora').value}:1>`));
$('embedding-insert').addEventListener('click', () => $('embedding').value && insertAtCursor($('embedding').value));
$('paste-apply').addEventListener('click', applyInfotext);
$('model').addEventListener('change', () => api('options', {sd_model_checkpoint: $('model').value}).catch(e => showError(e.message)));
load().catch(e => { showError('cannot reach the API: ' + e.message); status('offline'); });
