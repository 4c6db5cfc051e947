package jdiffusion.sd.image;

/** An image file we cannot read; the message names the file and the problem. */
public final class ImageFormatException extends RuntimeException {
    public ImageFormatException(String message) { super(message); }
}
