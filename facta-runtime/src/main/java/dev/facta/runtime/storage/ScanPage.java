package dev.facta.runtime.storage;

import java.util.List;

/**
 * One page of a prefix scan, in key order. {@code next} is the cursor of the following page (pass
 * it as {@code after}), or null when this page is the last.
 */
public record ScanPage(List<Entry> entries, String next) {
    public ScanPage {
        entries = List.copyOf(entries);
    }

    /** One key and its value. */
    public record Entry(String key, String value) {
    }
}
