package dev.facta.store;

/** What the store knows of one stream: its last version ({@code -1}: none), deletion, settings. */
public record StreamInfo(StreamId stream, long lastVersion, boolean deleted, StreamMetadata metadata) {
    public boolean hasEvents() {
        return lastVersion >= 0;
    }
}
