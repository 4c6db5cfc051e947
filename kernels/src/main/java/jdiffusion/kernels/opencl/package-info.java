/**
 * The OpenCL backend: the {@link jdiffusion.tensor.Backend} contract on any OpenCL 1.2+ device through JOCL
 * (NVIDIA, AMD and Intel GPUs; PoCL on the CPU, which CI uses).
 *
 * <pre>
 *   host tensor ──upload──▶ WeightCache (mmapped weights: once, kept in F16/BF16/F32)
 *                         └▶ BufferPool  (activations: pooled by size class, back on release or GC)
 *   OpenClBackend op ──▶ Launch(kernel, args) ──▶ in-order queue ──▶ .cl kernels (resources beside this package)
 *   toFloatArray ◀── the only wait for the device
 * </pre>
 *
 * <ul>
 *   <li>{@link jdiffusion.kernels.opencl.OpenClBackend}: the op routing; {@code new OpenClBackend()} or
 *       {@link jdiffusion.kernels.opencl.DeviceSelector#open(String)} with {@code cpu|opencl|opencl:N}.</li>
 *   <li>{@link jdiffusion.kernels.opencl.DeviceTuning}: every device-dependent size (GEMM tiles, register blocks,
 *       reduction and attention work-groups), in one place.</li>
 *   <li>{@code ProgramBuilder}: compiles {@code common.cl} + one kernel file with those sizes as defines and
 *       caches the binary under {@code ~/.cache/jdiffusion/opencl}.</li>
 *   <li>{@link jdiffusion.kernels.opencl.OpenClDevices}: what {@code jsd devices} lists; throws
 *       {@link jdiffusion.kernels.opencl.OpenClUnavailableException} with a one-line fix when there is no OpenCL.</li>
 * </ul>
 *
 * <p>Every kernel reads tensors as (buffer, element offset, dtype) and widens F16 ({@code vload_half}) and BF16
 * ({@code ushort << 16}) itself; outputs are F32. The scalar meaning of each op is
 * {@link jdiffusion.kernels.reference.ReferenceBackend}, which the tests compare against.
 */
package jdiffusion.kernels.opencl;
