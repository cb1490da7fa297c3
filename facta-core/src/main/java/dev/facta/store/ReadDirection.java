package dev.facta.store;

public enum ReadDirection {
    FORWARD, BACKWARD
}
