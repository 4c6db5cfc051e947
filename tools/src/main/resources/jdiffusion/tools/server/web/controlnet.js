// ControlNet units on the page: the sd-webui-controlnet extension's fields, sent as alwayson_scripts.controlnet.args;
// "Preview" runs the preprocessor through /controlnet/detect and shows the detected map.
'use strict';

const controlNet = (() => {
  const UNITS = 3;
  const units = [];
  const cnApi = (path, body) => fetch('/controlnet/' + path, body === undefined ? {} : {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)
  }).then(async r => {
    const data = await r.json().catch(() => null);
    if (!r.ok) throw new Error((data && (data.detail || data.error)) || r.statusText);
    return data;
  });

  function field(label, input) {
    const l = document.createElement('label');
    l.append(label + ' ', input);
    return l;
  }

  function select(values, value) {
    const s = document.createElement('select');
    values.forEach(v => { const o = document.createElement('option'); o.value = o.textContent = v; s.appendChild(o); });
    if (value !== undefined) s.value = value;
    return s;
  }

  function number(value, min, max, step) {
    const i = document.createElement('input');
    Object.assign(i, {type: 'number', value, min, max, step});
    return i;
  }

  function unit(index, modules, models) {
    const box = document.createElement('fieldset');
    box.className = 'cn-unit';
    const legend = document.createElement('legend');
    const enabled = document.createElement('input');
    enabled.type = 'checkbox';
    legend.append(enabled, ` ControlNet unit ${index}`);
    const file = document.createElement('input');
    Object.assign(file, {type: 'file', accept: 'image/*'});
    const u = {
      enabled, image: null,
      module: select(modules, 'canny'), model: select(models),
      weight: number(1, 0, 2, 0.05), start: number(0, 0, 1, 0.05), end: number(1, 0, 1, 0.05),
      res: number(512, 64, 2048, 8), low: number(100, 1, 255, 1), high: number(200, 1, 255, 1),
      resize: select(['Just Resize', 'Crop and Resize', 'Resize and Fill'], 'Crop and Resize'),
      mode: select(['Balanced', 'My prompt is more important', 'ControlNet is more important'], 'Balanced'),
      pixelPerfect: Object.assign(document.createElement('input'), {type: 'checkbox'}),
      preview: Object.assign(document.createElement('img'), {alt: 'detected map', hidden: true, className: 'cn-preview'}),
    };
    file.addEventListener('change', () => {
      const f = file.files[0];
      if (!f) { u.image = null; return; }
      const reader = new FileReader();
      reader.onload = () => { u.image = String(reader.result).replace(/^data:[^,]*,/, ''); enabled.checked = true; };
      reader.readAsDataURL(f);
    });
    const previewButton = document.createElement('button');
    previewButton.type = 'button';
    previewButton.textContent = 'Preview';
    previewButton.addEventListener('click', async () => {
      if (!u.image) return showError(`ControlNet unit ${index}: choose an image first`);
      try {
        const r = await cnApi('detect', {controlnet_module: u.module.value, controlnet_input_images: [u.image],
          controlnet_processor_res: Number(u.res.value), controlnet_threshold_a: Number(u.low.value), controlnet_threshold_b: Number(u.high.value)});
        u.preview.src = 'data:image/png;base64,' + r.images[0];
        u.preview.hidden = false;
      } catch (e) { showError(e.message); }
    });
    const rows = [[field('Image', file), previewButton], [field('Preprocessor', u.module), field('Model', u.model)],
      [field('Weight', u.weight), field('Start', u.start), field('End', u.end)],
      [field('Resolution', u.res), field('Low threshold', u.low), field('High threshold', u.high)],
      [field('Resize mode', u.resize), field('Control mode', u.mode), field('Pixel perfect', u.pixelPerfect)]];
    box.append(legend);
    rows.forEach(r => { const d = document.createElement('div'); d.className = 'row'; d.append(...r); box.append(d); });
    box.append(u.preview);
    return {box, u};
  }

  async function init() {
    const host = document.getElementById('controlnet');
    if (!host) return;
    const [modules, models] = await Promise.all([cnApi('module_list'), cnApi('model_list')]);
    for (let i = 0; i < UNITS; i++) {
      const {box, u} = unit(i, modules.module_list, models.model_list);
      units.push(u);
      host.append(box);
    }
  }

  /** The enabled units in the extension's API shape (null when none). */
  function args() {
    const on = units.filter(u => u.enabled.checked && u.image);
    if (!on.length) return null;
    return on.map(u => ({
      enabled: true, module: u.module.value, model: u.model.value, weight: Number(u.weight.value), image: u.image,
      resize_mode: u.resize.value, low_vram: false, processor_res: Number(u.res.value), threshold_a: Number(u.low.value),
      threshold_b: Number(u.high.value), guidance_start: Number(u.start.value), guidance_end: Number(u.end.value),
      pixel_perfect: u.pixelPerfect.checked, control_mode: u.mode.value,
    }));
  }

  init().catch(e => showError('ControlNet: ' + e.message));
  return {args};
})();
