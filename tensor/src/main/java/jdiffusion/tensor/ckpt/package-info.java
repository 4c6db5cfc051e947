/**
 * Model files as name-to-tensor maps without executing anything: {@link jdiffusion.tensor.ckpt.CheckpointFiles#open}
 * for any single file (safetensors or torch), {@link jdiffusion.tensor.ckpt.TorchCheckpoint} for PyTorch
 * {@code .ckpt/.pt/.bin} (zip archive or legacy stream) read through a restricted pickle VM
 * ({@code Unpickler} + the {@code TorchGlobals} allow-list), and {@link jdiffusion.tensor.ckpt.ModelHash} for
 * the hashes the WebUI prints. Failures are {@link jdiffusion.tensor.ckpt.CheckpointException}s;
 * a pickle that names a forbidden global is an {@link jdiffusion.tensor.ckpt.UnsafeCheckpointException}.
 */
package jdiffusion.tensor.ckpt;
