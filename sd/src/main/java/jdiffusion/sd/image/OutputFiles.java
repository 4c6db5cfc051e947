package jdiffusion.sd.image;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where generated images go, named as the WebUI names them: {@code NNNNN-SEED.png} with NNNNN continuing the
 * highest number already in the folder (default {@code outputs/txt2img-images/YYYY-MM-DD/}). Nothing is ever
 * overwritten: files are written to a temporary name and moved into place only when the name is still free.
 */
public final class OutputFiles {
    private static final Pattern NUMBERED = Pattern.compile("^(\\d{5,})-.*");

    private OutputFiles() {}

    public static Path defaultFolder(String mode) {
        return Path.of("outputs", mode + "-images", LocalDate.now().toString());
    }

    /** The next free {@code NNNNN} in {@code dir} (0 when empty or absent). */
    public static int nextNumber(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        int max = -1;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Matcher m = NUMBERED.matcher(p.getFileName().toString());
                if (m.matches()) {
                    try { max = Math.max(max, Integer.parseInt(m.group(1))); } catch (NumberFormatException tooLong) { /* not ours */ }
                }
            }
        }
        return max + 1;
    }

    public static String numberedName(int number, long seed) { return String.format("%05d-%d.png", number, seed); }

    /** Writes {@code bytes} to {@code target} atomically; refuses when {@code target} exists. */
    public static void writeNew(Path target, byte[] bytes) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        if (Files.exists(target)) throw new FileAlreadyExistsException(target + " exists; jdiffusion never overwrites a file (choose another --out)");
        // not Files.createTempFile: its owner-only permissions would stick to the finished image
        Path tmp = dir.resolve(".jsd-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".part");
        try {
            Files.write(tmp, bytes, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            // a hard link fails when the name was taken meanwhile, so a concurrent writer cannot be clobbered
            try {
                Files.createLink(target, tmp);
            } catch (UnsupportedOperationException | IOException noLinks) {
                if (noLinks instanceof FileAlreadyExistsException) throw noLinks;
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
