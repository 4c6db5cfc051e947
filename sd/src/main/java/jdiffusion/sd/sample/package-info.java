/**
 * Noise, noise schedules and samplers: host-side math on flattened {@code float[]} latents
 * ({@code [B, C, H, W]}), with the network abstracted as a {@link jdiffusion.sd.sample.ModelFunction}.
 *
 * <h2>Noise</h2>
 * {@link jdiffusion.sd.sample.PhiloxRandom} (the WebUI's default "GPU"/NV source = CUDA randn) and
 * {@link jdiffusion.sd.sample.TorchCpuRandom} (torch CPU randn, bit-exact) implement
 * {@link jdiffusion.sd.sample.NoiseGenerator}. {@link jdiffusion.sd.sample.ImageNoise} is the WebUI's
 * per-image noise (seed+i, variation seeds, seed resize, ENSD); it is also the default
 * {@link jdiffusion.sd.sample.NoiseSampler} for ancestral steps.
 *
 * <h2>WebUI text-to-image (k-diffusion samplers)</h2>
 * <pre>{@code
 * NoiseSchedule schedule = NoiseSchedule.fromAlphasCumprod(checkpointAlphasCumprod); // or stableDiffusion()
 * Samplers.Choice choice = Samplers.resolve("DPM++ 2M");            // or "DPM++ 2M Karras", "euler_ancestral"
 * SamplerSpec spec = (SamplerSpec) choice.sampler();                // TimestepSamplerSpec for DDIM/PLMS/UniPC
 * KDiffusionDenoiser model = spec.denoiser(schedule, Prediction.EPSILON); // CompVis(V)Denoiser, or LCM's
 * ScheduleType type = userSchedule != null ? ScheduleType.parse(userSchedule) : choice.schedule();
 * float[] sigmas = spec.sigmas(model, steps, type);
 * ImageNoise noise = ImageNoise.webUi(RngSource.GPU, 4, height / 8, width / 8, seed, subseed, strength,
 *                                    firstImageIndex, batch, 0, 0, ensd);
 * long[] seeds = noise.seeds();
 * float[] x = noise.next();                                          // initial noise; scale it by sigmas[0]
 * Denoiser guided = new GuidedDenoiser(model.over(condUnet), model.over(uncondUnet), cfgScale);
 * NoiseSampler ns = spec.noiseSampler(noise, RngSource.GPU, 4, height / 8, width / 8, seeds, sigmas);
 * float[] latents = spec.create().sample(guided, x, sigmas, ns, listener);
 * }</pre>
 * {@code condUnet}/{@code uncondUnet} are {@code (input, t) -> unet(input, t, context)}: the denoiser
 * scales the input by c_in and maps sigma to the fractional timestep t.
 *
 * <h2>WebUI DDIM / DDIM CFG++ / PLMS / UniPC</h2>
 * {@link jdiffusion.sd.sample.TimestepSamplerSpec}: timesteps from
 * {@link jdiffusion.sd.sample.WebUiTimesteps#timesteps}, unscaled initial noise, and an eps model
 * (guidance mixes the eps outputs with {@link jdiffusion.sd.sample.GuidedDenoiser#combine}, scale times
 * {@code guidanceScaleFactor()}; v models go through {@link jdiffusion.sd.sample.WebUiTimesteps#epsModel};
 * DDIM CFG++ needs a {@link jdiffusion.sd.sample.GuidedModelFunction}).
 *
 * <h2>Exactness</h2>
 * Noise is bit-exact (Philox and torch CPU). Schedules and sampler arithmetic follow torch's float32
 * evaluation, including SLEEF's exp/log/expm1 and torch's linspace, so k-diffusion sigma tables match
 * the reference bit for bit.
 *
 * <h2>diffusers schedulers</h2>
 * {@link jdiffusion.sd.sample.diffusers.TimestepScheduler} implementations for diffusers pipelines
 * ({@code DiffusersSchedulers.create(className, SchedulerConfig.fromJson(...), steps)}).
 */
package jdiffusion.sd.sample;
