// The jdiffusion page: a thin client of the WebUI API (/sdapi/v1/...), no framework, no build step, nothing from outside.
'use strict';

const $ = id => document.getElementById(id);

// --api-auth: the page asks in its own form and sends the credentials itself; X-Requested-With tells the server not
// to answer with WWW-Authenticate, which would make the browser show its own dialog
const AUTH_KEY = 'jsd-auth';

class NeedsLogin extends Error {}

function authHeaders() {
  const credentials = sessionStorage.getItem(AUTH_KEY);
  return credentials ? {'Authorization': 'Basic ' + credentials} : {};
}

const api = (path, body) => fetch('/sdapi/v1/' + path, {
  method: body === undefined ? 'GET' : 'POST',
  headers: Object.assign({'X-Requested-With': 'XMLHttpRequest'}, authHeaders(),
    body === undefined ? {} : {'Content-Type': 'application/json'}),
  body: body === undefined ? undefined : JSON.stringify(body),
}).then(async r => {
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { /* not JSON: the status says enough */ }
  if (r.status === 401) throw new NeedsLogin((data && data.detail) || 'sign in first');
  if (!r.ok) throw new Error((data && (data.detail || data.error)) || r.statusText);
  return data;
});

let models = [];
let vaes = [];
let polling = null;
let mode = 'txt2img';

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

function showLogin(message) {
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('login-error').hidden = !message;
  status('sign in');
  $('login-user').focus();
}

async function login(event) {
  event.preventDefault();
  const bytes = new TextEncoder().encode($('login-user').value + ':' + $('login-password').value);
  sessionStorage.setItem(AUTH_KEY, btoa(String.fromCharCode(...bytes)));
  start(true);
}

function start(afterLogin) {
  load().then(() => {
    $('login').hidden = true;
    $('app').hidden = false;
  }).catch(e => {
    if (e instanceof NeedsLogin) {
      sessionStorage.removeItem(AUTH_KEY);
      showLogin(afterLogin ? 'wrong user name or password' : '');
    } else {
      showError('cannot reach the API: ' + e.message);
      status('offline');
    }
  });
}

async function load() {
  const [samplers, schedulers, sdModels, options, loras, embeddings, sdVae] = await Promise.all([
    api('samplers'), api('schedulers'), api('sd-models'), api('options'), api('loras'), api('embeddings'), api('sd-vae')]);
  for (const id of ['sampler', 'scheduler', 'lora', 'embedding']) [...$(id).options].filter(o => o.value).forEach(o => o.remove());
  samplers.forEach(s => option($('sampler'), s.name));
  $('sampler').value = 'DPM++ 2M';
  schedulers.forEach(s => option($('scheduler'), s.label));
  showModels(sdModels, options.sd_model_checkpoint);
  vaes = sdVae;
  $('vae').replaceChildren();
  ['Automatic', 'None'].concat(sdVae.map(v => v.model_name)).forEach(v => option($('vae'), v));
  $('vae').value = options.sd_vae || 'Automatic';
  $('clip_skip').value = options.CLIP_stop_at_last_layers || 1;
  $('rng').value = options.randn_source || 'GPU';
  $('ensd').value = options.eta_noise_seed_delta || 0;
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

// --- modes: txt2img, img2img (an init image), inpaint (an init image and a painted mask)

function setMode(m) {
  mode = m;
  document.querySelectorAll('.tab').forEach(t => t.classList.toggle('active', t.dataset.mode === m));
  $('init-box').hidden = m === 'txt2img';
  $('mask-tools').hidden = m !== 'inpaint';
  $('mask-canvas').hidden = m !== 'inpaint' || $('init-image').hidden;
}

function readInitImage() {
  const file = $('init-file').files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => { $('init-image').src = reader.result; };
  reader.readAsDataURL(file);
}

// the mask canvas has the init image's own size, so what is painted is where the server inpaints
function initImageLoaded() {
  const img = $('init-image'), canvas = $('mask-canvas');
  img.hidden = false;
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  setMode(mode);
}

let lastPoint = null;

function paintAt(event) {
  const canvas = $('mask-canvas'), r = canvas.getBoundingClientRect();
  const scale = canvas.width / r.width;
  const p = {x: (event.clientX - r.left) * scale, y: (event.clientY - r.top) * scale};
  const g = canvas.getContext('2d');
  g.strokeStyle = g.fillStyle = '#fff';
  g.lineCap = 'round';
  g.lineWidth = Number($('brush').value) * scale;
  g.beginPath();
  if (lastPoint) {
    g.moveTo(lastPoint.x, lastPoint.y);
    g.lineTo(p.x, p.y);
    g.stroke();
  } else {
    g.arc(p.x, p.y, g.lineWidth / 2, 0, 2 * Math.PI);
    g.fill();
  }
  lastPoint = p;
}

function clearMask() {
  const canvas = $('mask-canvas');
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

function invertMask() {
  const canvas = $('mask-canvas'), g = canvas.getContext('2d');
  const data = g.getImageData(0, 0, canvas.width, canvas.height);
  const d = data.data;
  for (let i = 0; i < d.length; i += 4) {
    d[i] = d[i + 1] = d[i + 2] = 255;
    d[i + 3] = 255 - d[i + 3];
  }
  g.putImageData(data, 0, 0);
}

// white where painted, black elsewhere: the WebUI's mask
function maskImage() {
  const canvas = $('mask-canvas');
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height;
  const g = out.getContext('2d');
  g.fillStyle = '#000';
  g.fillRect(0, 0, out.width, out.height);
  g.drawImage(canvas, 0, 0);
  const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = false;
  for (let i = 3; i < d.length && !painted; i += 4) painted = d[i] > 0;
  return painted ? out.toDataURL('image/png') : null;
}

function request() {
  const num = id => Number($(id).value);
  const r = {
    prompt: $('prompt').value,
    negative_prompt: $('negative').value,
    sampler_name: $('sampler').value,
    scheduler: $('scheduler').value,
    steps: num('steps'),
    cfg_scale: num('cfg'),
    width: num('width'),
    height: num('height'),
    seed: num('seed'),
    subseed: num('subseed'),
    subseed_strength: num('subseed_strength'),
    seed_resize_from_w: num('seed_resize_from_w') || -1,
    seed_resize_from_h: num('seed_resize_from_h') || -1,
    batch_size: num('batch_size'),
    n_iter: num('n_iter'),
    override_settings: {
      sd_vae: $('vae').value,
      CLIP_stop_at_last_layers: num('clip_skip'),
      randn_source: $('rng').value,
      eta_noise_seed_delta: num('ensd'),
    },
    override_settings_restore_afterwards: false,
  };
  if ($('model').value) r.override_settings.sd_model_checkpoint = $('model').value;
  if (mode !== 'txt2img') {
    if ($('init-image').hidden) throw new Error('choose an init image first');
    r.init_images = [$('init-image').src];
    r.denoising_strength = num('denoise');
    r.resize_mode = num('resize_mode');
  }
  if (mode === 'inpaint') {
    r.mask = maskImage();
    if (!r.mask) throw new Error('paint the area to inpaint on the init image first');
    r.mask_blur = num('mask_blur');
    r.inpainting_fill = num('inpainting_fill');
  }
  return r;
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

// the gallery keeps generation order: the first image made is the first shown
function addToGallery(image, infotext) {
  const fig = document.createElement('figure');
  const img = document.createElement('img');
  img.src = 'data:image/png;base64,' + image;
  img.alt = infotext.split('\n')[0];
  const cap = document.createElement('figcaption');
  cap.textContent = infotext;
  fig.append(img, cap);
  $('gallery').append(fig);
}

async function generate(event) {
  event.preventDefault();
  showError('');
  let body;
  try {
    body = request();
  } catch (e) {
    showError(e.message);
    return;
  }
  $('generate').disabled = true;
  $('interrupt').disabled = false;
  setProgress(0, 'starting');
  status('generating');
  polling = setInterval(poll, 250);
  try {
    const result = await api(mode === 'txt2img' ? 'txt2img' : 'img2img', body);
    const info = JSON.parse(result.info);
    result.images.forEach((img, i) => addToGallery(img, info.infotexts[i] || ''));
    api('sd-models').then(list => showModels(list, $('model').value)).catch(() => {});
    setProgress(1, info.interrupted ? `interrupted: ${result.images.length} image(s)` : `done: ${result.images.length} image(s), seed ${info.seed}`);
    status('ready');
  } catch (e) {
    if (e instanceof NeedsLogin) showLogin('signed out: sign in again');
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
  const o = [...select.options].find(o => o.value.toLowerCase() === wanted || o.textContent.toLowerCase() === wanted);
  if (o) select.value = o.value;
  return !!o;
}

// keys that only describe the run (the networks' hashes follow from the prompt's tags)
const INFORMATIONAL = new Set(['Model hash', 'VAE hash', 'Version', 'Lora hashes', 'TI hashes']);

// every key of the pasted data goes into the form, so Generate sends it; keys jsd cannot apply are named
function applyInfotext() {
  const {prompt, negative, params} = parseInfotext($('paste').value);
  const used = new Set(INFORMATIONAL);
  const take = (key, fn) => { if (params[key] !== undefined) { fn(params[key]); used.add(key); } };
  const size = v => v.split('x').map(s => s.trim());
  $('prompt').value = prompt;
  $('negative').value = negative;
  take('Steps', v => $('steps').value = v);
  take('CFG scale', v => $('cfg').value = v);
  take('Seed', v => $('seed').value = v);
  take('Size', v => { [$('width').value, $('height').value] = size(v); });
  // what the WebUI's paste resets when the data does not mention it
  $('clip_skip').value = 1;
  $('subseed').value = -1;
  $('subseed_strength').value = 0;
  $('seed_resize_from_w').value = $('seed_resize_from_h').value = 0;
  take('Clip skip', v => $('clip_skip').value = v);
  take('Variation seed', v => $('subseed').value = v);
  take('Variation seed strength', v => $('subseed_strength').value = v);
  take('Seed resize from', v => { [$('seed_resize_from_w').value, $('seed_resize_from_h').value] = size(v); });
  take('Denoising strength', v => $('denoise').value = v);
  take('Mask blur', v => $('mask_blur').value = v);
  take('Masked content', v => selectByLabel($('inpainting_fill'), v));
  take('ENSD', v => $('ensd').value = v);
  take('RNG', v => selectByLabel($('rng'), v));
  let schedule = params['Schedule type'] || 'Automatic';
  used.add('Schedule type');
  take('Sampler', v => {
    if (selectByLabel($('sampler'), v)) return;
    // legacy names carry the schedule: "DPM++ 2M Karras"
    for (const s of [...$('scheduler').options].map(o => o.value)) {
      if (v.toLowerCase().endsWith(' ' + s.toLowerCase()) && selectByLabel($('sampler'), v.slice(0, -s.length - 1))) {
        if (!params['Schedule type']) schedule = s;
        break;
      }
    }
  });
  selectByLabel($('scheduler'), schedule);
  take('Model', v => {
    const m = models.find(m => m.model_name === v || (params['Model hash'] && m.hash === params['Model hash']));
    if (m) $('model').value = m.title;
  });
  take('VAE', v => {
    const bare = n => n.replace(/\.(safetensors|ckpt|pt)$/, '');
    const found = vaes.find(x => x.model_name === v || bare(x.model_name) === bare(v));
    if (found) $('vae').value = found.model_name;
  });
  const ignored = Object.keys(params).filter(k => !used.has(k));
  $('paste-note').textContent = ignored.length ? 'not applied (jsd does not support them): ' + ignored.join(', ') : '';
}

$('form').addEventListener('submit', generate);
$('login').addEventListener('submit', login);
$('interrupt').addEventListener('click', () => api('interrupt', {}));
$('lora-insert').addEventListener('click', () => $('lora').value && insertAtCursor(`<lora:${$('lora').value}:1>`));
$('embedding-insert').addEventListener('click', () => $('embedding').value && insertAtCursor($('embedding').value));
$('paste-apply').addEventListener('click', applyInfotext);
$('model').addEventListener('change', () => api('options', {sd_model_checkpoint: $('model').value}).catch(e => showError(e.message)));
$('vae').addEventListener('change', () => api('options', {sd_vae: $('vae').value}).catch(e => showError(e.message)));
document.querySelectorAll('.tab').forEach(t => t.addEventListener('click', () => setMode(t.dataset.mode)));
$('init-file').addEventListener('change', readInitImage);
$('init-image').addEventListener('load', initImageLoaded);
$('mask-canvas').addEventListener('pointerdown', e => {
  lastPoint = null;
  $('mask-canvas').setPointerCapture(e.pointerId);
  paintAt(e);
});
$('mask-canvas').addEventListener('pointermove', e => { if (lastPoint) paintAt(e); });
['pointerup', 'pointercancel'].forEach(t => $('mask-canvas').addEventListener(t, () => { lastPoint = null; }));
$('mask-clear').addEventListener('click', clearMask);
$('mask-invert').addEventListener('click', invertMask);
start(false);
