package dev.facta.redis.internal;

import dev.facta.FactaException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisScriptingCommands;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script run by its SHA-1 digest, loaded into the server again when it answers NOSCRIPT (after
 * a restart or SCRIPT FLUSH). Every change the Redis stores make goes through one such script, so it
 * is atomic on the server.
 */
public final class Scripts {
    private final String text;
    private final String sha;

    public Scripts(String text) {
        this.text = text;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new FactaException("SHA-1 is not available", e);
        }
    }

    /** Runs the script with no keys and these arguments, returning what it returns. */
    @SafeVarargs
    public final <K, V, T> T run(RedisScriptingCommands<K, V> redis, ScriptOutputType type, K[] noKeys, V... args) {
        try {
            return redis.evalsha(sha, type, noKeys, args);
        } catch (RedisNoScriptException e) {
            return redis.eval(text, type, noKeys, args);
        }
    }
}
