package jdiffusion.kernels.opencl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Compiles the {@code .cl} resources for one device. Compiled binaries are kept under {@code cacheDir}, named by
 * a hash of device, driver, source and options, because some drivers (PoCL's LLVM, first use on a GPU) take
 * seconds per program; a damaged or foreign cache file just falls back to compiling from source.
 */
final class ProgramBuilder {
    private final cl_context context;
    private final OpenClDevice device;
    private final Path cacheDir;

    ProgramBuilder(cl_context context, OpenClDevice device, Path cacheDir) {
        this.context = context;
        this.device = device;
        this.cacheDir = cacheDir;
    }

    /** The default cache: {@code $XDG_CACHE_HOME/jdiffusion/opencl} or {@code ~/.cache/jdiffusion/opencl}. */
    static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jdiffusion").resolve("opencl");
    }

    /** Builds {@code common.cl} followed by {@code files} with {@code options}. */
    cl_program build(String options, String... files) {
        StringBuilder source = new StringBuilder(resource("common.cl"));
        for (String f : files) source.append('\n').append(resource(f));
        String src = source.toString();
        Path cached = cacheDir == null ? null : cacheDir.resolve(hash(device.cacheIdentity() + "\n" + options + "\n" + src) + ".bin");
        if (cached != null && Files.isRegularFile(cached)) {
            cl_program p = fromBinary(cached, options);
            if (p != null) return p;
        }
        int[] err = new int[1];
        cl_program program = CL.clCreateProgramWithSource(context, 1, new String[]{src}, null, err);
        ClStatus.check(err[0], "clCreateProgramWithSource");
        int status = CL.clBuildProgram(program, 1, new cl_device_id[]{device.deviceId()}, options, null, null);
        if (status != CL.CL_SUCCESS) {
            String log = buildLog(program);
            CL.clReleaseProgram(program);
            throw new OpenClException("OpenCL kernels " + String.join(", ", files) + " do not compile on " + device.name()
                    + " (" + CL.stringFor_errorCode(status) + "): " + log.strip().replace('\n', ' '));
        }
        if (cached != null) store(program, cached);
        return program;
    }

    private cl_program fromBinary(Path file, String options) {
        byte[] binary;
        try {
            binary = Files.readAllBytes(file);
        } catch (IOException e) {
            return null;
        }
        int[] err = new int[1], binaryStatus = new int[1];
        cl_program p = CL.clCreateProgramWithBinary(context, 1, new cl_device_id[]{device.deviceId()},
                new long[]{binary.length}, new byte[][]{binary}, binaryStatus, err);
        if (err[0] != CL.CL_SUCCESS || binaryStatus[0] != CL.CL_SUCCESS) {
            if (p != null && err[0] == CL.CL_SUCCESS) CL.clReleaseProgram(p);
            return null;
        }
        if (CL.clBuildProgram(p, 1, new cl_device_id[]{device.deviceId()}, options, null, null) != CL.CL_SUCCESS) {
            CL.clReleaseProgram(p);
            return null;
        }
        return p;
    }

    private void store(cl_program program, Path file) {
        long[] size = new long[1];
        if (CL.clGetProgramInfo(program, CL.CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null) != CL.CL_SUCCESS || size[0] == 0)
            return;
        byte[] binary = new byte[(int) size[0]];
        if (CL.clGetProgramInfo(program, CL.CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(Pointer.to(binary)), null) != CL.CL_SUCCESS)
            return;
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "program", ".tmp");
            Files.write(tmp, binary);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UnsupportedOperationException e) {
            // The cache only saves time: a read-only home directory still runs, it compiles each start.
        }
    }

    private String buildLog(cl_program program) {
        long[] size = new long[1];
        CL.clGetProgramBuildInfo(program, device.deviceId(), CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
        if (size[0] <= 1) return "(no build log)";
        byte[] log = new byte[(int) size[0]];
        CL.clGetProgramBuildInfo(program, device.deviceId(), CL.CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return new String(log, 0, log.length - 1, StandardCharsets.UTF_8);
    }

    static String resource(String name) {
        try (InputStream in = ProgramBuilder.class.getResourceAsStream(name)) {
            if (in == null) throw new OpenClException("kernel source " + name + " is missing from the jdiffusion-kernels jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading kernel source " + name, e);
        }
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
