package jdiffusion.tools;

import java.util.ArrayList;
import java.util.List;

/** Columns of text aligned for a terminal: numbers right-aligned, everything else left-aligned. */
public final class TextTable {
    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] rightAligned;

    /** {@code rightAligned[i]} says whether column i holds numbers. */
    public TextTable(boolean... rightAligned) { this.rightAligned = rightAligned.clone(); }

    public TextTable row(String... cells) {
        if (cells.length != rightAligned.length) throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + rightAligned.length);
        rows.add(cells.clone());
        return this;
    }

    /** The rows, each prefixed with {@code indent}, columns two spaces apart, no trailing spaces. */
    public String render(String indent) {
        int[] width = new int[rightAligned.length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < r.length; i++) {
                if (i > 0) line.append("  ");
                String pad = " ".repeat(width[i] - r[i].length());
                line.append(rightAligned[i] ? pad + r[i] : r[i] + pad);
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }
}
