// Hires. fix fields and the gallery's "Upscale 2x" action. Kept apart from app.js (which the generation form owns):
// it extends app.js's request() and addToGallery() by wrapping them, so either file changes without the other.
'use strict';

(function () {
  const baseRequest = request, baseAddToGallery = addToGallery;

  async function loadUpscalers() {
    const [modes, upscalers] = await Promise.all([api('latent-upscale-modes'), api('upscalers')]);
    modes.forEach(m => option($('hr_upscaler'), m.name));
    upscalers.filter(u => u.name !== 'None').forEach(u => option($('hr_upscaler'), u.name));
    $('hr_upscaler').value = 'Latent';
  }

  request = function () {
    const body = baseRequest();
    if (!$('enable_hr').checked || (typeof mode !== 'undefined' && mode !== 'txt2img')) return body;
    const num = id => Number($(id).value);
    return Object.assign(body, {
      enable_hr: true,
      hr_upscaler: $('hr_upscaler').value,
      hr_scale: num('hr_scale'),
      hr_resize_x: num('hr_resize_x'),
      hr_resize_y: num('hr_resize_y'),
      hr_second_pass_steps: num('hr_second_pass_steps'),
      denoising_strength: num('denoising_strength'),
    });
  };

  // the pixel upscaler chosen for hires fix, else Lanczos (latent modes do not apply to finished images)
  function extrasUpscaler() {
    const u = $('hr_upscaler').value;
    return u && !u.startsWith('Latent') ? u : 'Lanczos';
  }

  addToGallery = function (image, infotext) {
    baseAddToGallery(image, infotext);
    const fig = $('gallery').lastElementChild;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'upscale';
    button.textContent = 'Upscale 2x';
    button.addEventListener('click', async () => {
      button.disabled = true;
      showError('');
      try {
        const upscaler = extrasUpscaler();
        const r = await api('extra-single-image', {image, upscaler_1: upscaler, upscaling_resize: 2});
        baseAddToGallery(r.image, (r.html_info || '').replace(/<[^>]+>/g, '') || `upscaled 2x with ${upscaler}`);
      } catch (e) {
        showError(e.message);
      } finally {
        button.disabled = false;
      }
    });
    fig.append(button);
  };

  loadUpscalers().catch(e => showError('cannot list upscalers: ' + e.message));
})();
