package dev.facta.crypto;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.internal.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Wraps data keys with a named key of HashiCorp Vault's transit secrets engine, over its HTTP API:
 * {@code POST /v1/<mount>/encrypt/<key>} and {@code /decrypt/<key>} with the {@code X-Vault-Token}
 * header. The master key never leaves Vault; Facta stores Vault's ciphertext ({@code vault:v1:...})
 * as the wrapped key, so rotating the transit key in Vault keeps older data keys readable.
 *
 * <p>With {@link Builder#associatedData(boolean)} on (the default) the subject and key id travel as
 * {@code associated_data}, which Vault binds to AEAD keys (aes256-gcm96 and the like) since 1.12.
 * The token is read from its supplier for every call, so a renewed token is picked up; it is never
 * logged or put in an error message.
 */
public final class VaultTransitKeyProvider implements MasterKeyProvider {
    private final URI address;
    private final String mount;
    private final String keyName;
    private final Supplier<String> token;
    private final String namespace;
    private final Duration timeout;
    private final boolean associatedData;
    private final HttpClient http;

    private VaultTransitKeyProvider(Builder b) {
        this.address = b.address;
        this.mount = b.mount;
        this.keyName = b.keyName;
        this.token = b.token;
        this.namespace = b.namespace;
        this.timeout = b.timeout;
        this.associatedData = b.associatedData;
        this.http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(b.timeout).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String id() {
        return "vault:" + mount + "/" + keyName;
    }

    @Override
    public byte[] wrap(byte[] dataKey, byte[] context) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("plaintext", Base64.getEncoder().encodeToString(dataKey));
        if (associatedData) body.put("associated_data", Base64.getEncoder().encodeToString(context));
        String ciphertext = call("encrypt", body, "ciphertext");
        return ciphertext.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] unwrap(byte[] wrapped, byte[] context) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("ciphertext", new String(wrapped, StandardCharsets.UTF_8));
        if (associatedData) body.put("associated_data", Base64.getEncoder().encodeToString(context));
        String plaintext = call("decrypt", body, "plaintext");
        try {
            return Base64.getDecoder().decode(plaintext);
        } catch (IllegalArgumentException e) {
            throw new FactaException("Vault transit " + id() + " returned a plaintext that is not base64");
        }
    }

    private String call(String operation, Map<String, String> body, String resultField) {
        URI uri = address.resolve("/v1/" + mount + "/" + operation + "/" + keyName);
        String t = token.get();
        if (t == null || t.isEmpty()) throw new FactaException("no Vault token for " + id());
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("X-Vault-Token", t)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.writeFlatObject(body)));
        if (namespace != null) rb.header("X-Vault-Namespace", namespace);
        HttpResponse<String> response;
        try {
            response = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new FactaException("Vault transit " + operation + " at " + address + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FactaException("interrupted while calling Vault transit " + operation, e);
        }
        Object parsed;
        try {
            parsed = Json.parse(response.body(), 64, "vault response");
        } catch (InvalidInputException e) {
            parsed = null;
        }
        if (response.statusCode() / 100 != 2) {
            String errors = parsed instanceof Map<?, ?> m && m.get("errors") instanceof List<?> l ? String.join("; ",
                    l.stream().map(String::valueOf).toList()) : "HTTP " + response.statusCode();
            throw new FactaException("Vault transit " + operation + " with key " + id() + " failed (HTTP "
                    + response.statusCode() + "): " + errors);
        }
        if (parsed instanceof Map<?, ?> m && m.get("data") instanceof Map<?, ?> data
                && data.get(resultField) instanceof String s) {
            return s;
        }
        throw new FactaException("Vault transit " + operation + " with key " + id() + " answered without data." + resultField);
    }

    @Override
    public String toString() {
        return "VaultTransitKeyProvider[" + address + ", " + id() + "]";
    }

    /** Where Vault is and which transit key wraps the data keys. */
    public static final class Builder {
        private URI address;
        private String mount = "transit";
        private String keyName;
        private Supplier<String> token;
        private String namespace;
        private Duration timeout = Duration.ofSeconds(10);
        private boolean associatedData = true;
        private HttpClient http;

        private Builder() {
        }

        /** Vault's address, e.g. {@code https://vault.example.com:8200} (as in {@code VAULT_ADDR}). */
        public Builder address(String address) {
            try {
                URI u = URI.create(Objects.requireNonNull(address, "address"));
                if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                    throw new IllegalArgumentException("not an http(s) URL");
                }
                this.address = u;
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("address", "Vault's address must be an http(s) URL, got '" + address + "'");
            }
            return this;
        }

        /** The transit engine's mount path (default {@code transit}). */
        public Builder mount(String mount) {
            this.mount = checkName("mount", mount);
            return this;
        }

        /** The name of the transit key that wraps the data keys. */
        public Builder keyName(String keyName) {
            this.keyName = checkName("keyName", keyName);
            return this;
        }

        public Builder token(String token) {
            Objects.requireNonNull(token, "token");
            this.token = () -> token;
            return this;
        }

        /** A token read anew for every call, e.g. from a file an agent renews. */
        public Builder token(Supplier<String> token) {
            this.token = Objects.requireNonNull(token, "token");
            return this;
        }

        /** The Vault Enterprise namespace ({@code X-Vault-Namespace}), if any. */
        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder timeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new InvalidInputException("timeout", "the Vault timeout must be positive");
            }
            this.timeout = timeout;
            return this;
        }

        /** Whether to send the subject and key id as {@code associated_data} (default true). */
        public Builder associatedData(boolean on) {
            this.associatedData = on;
            return this;
        }

        /** The HTTP client to use (e.g. one with a TLS context trusting Vault's CA). */
        public Builder httpClient(HttpClient http) {
            this.http = http;
            return this;
        }

        public VaultTransitKeyProvider build() {
            if (address == null) throw new InvalidInputException("address", "Vault's address is required");
            if (keyName == null) throw new InvalidInputException("keyName", "the transit key name is required");
            if (token == null) throw new InvalidInputException("token", "a Vault token is required");
            return new VaultTransitKeyProvider(this);
        }

        private static String checkName(String field, String value) {
            if (value == null || !value.matches("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")) {
                throw new InvalidInputException(field, field + " must be a plain Vault path segment, got '" + value + "'");
            }
            return value;
        }
    }
}
