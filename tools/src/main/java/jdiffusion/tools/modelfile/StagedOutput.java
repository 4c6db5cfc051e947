package jdiffusion.tools.modelfile;

import jdiffusion.tools.CommandException;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A folder built under a hidden sibling name and renamed into place only when complete, so an interrupted or failed
 * conversion never leaves a half-written folder under the real name. With {@code replace}, an existing target is
 * moved aside only after the new folder is complete, and deleted once the new one is in place.
 *
 * <pre>{@code
 * try (StagedOutput out = StagedOutput.folder(target, force)) {
 *     write(out.dir().resolve("unet/config.json"), ...);
 *     out.commit();
 * }   // not committed: the staging folder is deleted
 * }</pre>
 */
final class StagedOutput implements AutoCloseable {
    private final Path target, staging;
    private final boolean replace;
    private final Thread cleanup;
    private boolean committed;

    private StagedOutput(Path target, boolean replace) {
        this.target = target.toAbsolutePath();
        this.replace = replace;
        refuseExisting(this.target, replace);
        this.staging = sibling(this.target, "tmp");
        try {
            Files.createDirectory(staging);
        } catch (IOException e) {
            throw new CommandException(target + ": cannot create a folder in " + this.target.getParent() + ": " + e.getMessage(), e);
        }
        // Ctrl-C ends the JVM without running finally blocks: the hook removes the half-built folder then (again if
        // the still-running conversion created a file while it was being deleted)
        cleanup = new Thread(() -> {
            for (int i = 0; i < 3 && Files.exists(staging); i++) deleteQuietly(staging);
        });
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** Starts building {@code target}; refuses an existing one unless {@code replace}. */
    static StagedOutput folder(Path target, boolean replace) { return new StagedOutput(target, replace); }

    /** Throws the one-line refusal when {@code target} exists and may not be replaced. */
    static void refuseExisting(Path target, boolean replace) {
        if (!replace && Files.exists(target))
            throw new CommandException(target + ": already exists; choose another name or pass --force to replace it");
    }

    /** Where to write the folder's contents. */
    Path dir() { return staging; }

    /** Puts the finished folder in place of the target. */
    void commit() {
        Path old = null;
        try {
            if (Files.exists(target)) {
                if (!replace) throw new CommandException(target + ": already exists (created while converting); pass --force to replace it");
                old = sibling(target, "old");
                move(target, old);
            }
            move(staging, target);
            committed = true;
        } catch (IOException e) {
            if (old != null && !Files.exists(target)) {
                try { move(old, target); old = null; } catch (IOException restore) { e.addSuppressed(restore); }
            }
            throw new CommandException(target + ": cannot move the converted folder into place: " + e.getMessage(), e);
        } finally {
            if (old != null && committed) deleteQuietly(old);
        }
    }

    @Override public void close() {
        if (!committed) deleteQuietly(staging);
        try { Runtime.getRuntime().removeShutdownHook(cleanup); } catch (IllegalStateException shuttingDown) { /* the hook runs */ }
    }

    private static Path sibling(Path target, String kind) {
        return target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "." + kind);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort: the original error matters more
        }
    }
}
