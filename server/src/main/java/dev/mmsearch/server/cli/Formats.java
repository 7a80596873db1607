package dev.mmsearch.server.cli;

import java.util.Locale;

/** Small human formats for command output. */
final class Formats {
    private Formats() {
    }

    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** First {@code max} characters on one line, with an ellipsis when cut. */
    static String snippet(Object value, int max) {
        String text = value == null ? "" : value.toString().replaceAll("\\s+", " ").strip();
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
