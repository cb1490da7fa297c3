package dev.facta.crypto;

import com.sun.net.httpserver.HttpServer;
import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.internal.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeysAndProvidersTest {

    /** Counts key store reads, to see what the cache saves and what a destroy drops. */
    static final class CountingKeyStore implements KeyStore {
        final InMemoryKeyStore inner = new InMemoryKeyStore();
        final AtomicInteger gets = new AtomicInteger();

        @Override
        public WrappedKey createOrGet(WrappedKey candidate) {
            return inner.createOrGet(candidate);
        }

        @Override
        public java.util.Optional<WrappedKey> get(String subject) {
            gets.incrementAndGet();
            return inner.get(subject);
        }

        @Override
        public boolean destroy(String subject) {
            return inner.destroy(subject);
        }

        @Override
        public List<String> subjects(String after, int limit) {
            return inner.subjects(after, limit);
        }

        @Override
        public String describe() {
            return "counting";
        }
    }

    @Test
    void keys_are_made_once_cached_and_a_destroy_drops_them_from_every_cache_of_the_process() {
        CountingKeyStore store = new CountingKeyStore();
        LocalMasterKey master = LocalMasterKey.generate();
        DataKeys one = DataKeys.builder(store, master).cacheTtl(Duration.ofMinutes(5)).build();
        DataKeys two = DataKeys.builder(store, master).cacheTtl(Duration.ofMinutes(5)).build();
        DataKey k = one.forEncryption("s-1");
        assertThat(one.forEncryption("s-1")).isSameAs(k);
        assertThat(two.forDecryption("s-1", k.keyId())).get().extracting(DataKey::keyId).isEqualTo(k.keyId());
        int reads = store.gets.get();
        assertThat(two.forDecryption("s-1", k.keyId())).isPresent();
        assertThat(store.gets.get()).isEqualTo(reads); // served from the cache
        assertThat(store.subjects(null, 10)).containsExactly("s-1");
        assertThat(store.inner.get("s-1").orElseThrow().wrapped()).isNotEqualTo(k.key().getEncoded());

        assertThat(one.destroy("s-1")).isTrue();
        assertThat(two.forDecryption("s-1", k.keyId())).isEmpty(); // the other instance's cache was dropped too
        assertThat(one.destroy("s-1")).isFalse();
        assertThat(one.forEncryption("s-1").keyId()).isNotEqualTo(k.keyId());
    }

    @Test
    void a_key_wrapped_by_another_master_key_is_reported_clearly() {
        InMemoryKeyStore store = new InMemoryKeyStore();
        DataKeys.builder(store, LocalMasterKey.generate()).build().forEncryption("s-1");
        DataKeys other = DataKeys.builder(store, LocalMasterKey.generate()).build();
        assertThatThrownBy(() -> other.forEncryption("s-1")).isInstanceOf(FactaException.class)
                .hasMessageContaining("wrapped by master key local:");
    }

    @Test
    void local_master_keys_come_from_bytes_base64_and_files_and_bind_the_context(@TempDir Path dir) throws IOException {
        String b64 = LocalMasterKey.generateBase64();
        LocalMasterKey a = LocalMasterKey.fromBase64(b64);
        Path text = dir.resolve("k.txt");
        Files.writeString(text, b64 + "\n");
        Path raw = dir.resolve("k.bin");
        Files.write(raw, Base64.getDecoder().decode(b64));
        assertThat(LocalMasterKey.fromFile(text).id()).isEqualTo(a.id());
        assertThat(LocalMasterKey.fromFile(raw).id()).isEqualTo(a.id());
        byte[] wrapped = a.wrap(new byte[32], "ctx".getBytes());
        assertThat(a.unwrap(wrapped, "ctx".getBytes())).isEqualTo(new byte[32]);
        assertThatThrownBy(() -> a.unwrap(wrapped, "other".getBytes())).isInstanceOf(FactaException.class);
        assertThatThrownBy(() -> LocalMasterKey.of(new byte[16])).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> LocalMasterKey.fromBase64("not base64!")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> LocalMasterKey.fromEnv("FACTA_NO_SUCH_VARIABLE_SET")).isInstanceOf(InvalidInputException.class);
    }

    // ------------------------------------------------------------------ Vault transit against a fake

    private HttpServer vault;

    @AfterEach
    void stopVault() {
        if (vault != null) vault.stop(0);
    }

    /**
     * A stand-in for Vault's transit engine (no Vault server can run here): encrypt and decrypt with
     * one AES-GCM key per name, "vault:v1:" ciphertexts, associated data, X-Vault-Token checked.
     */
    private String fakeVault(String token, List<String> seenBodies) throws IOException {
        vault = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        SecretKeySpec key = new SecretKeySpec(new SecureRandom().generateSeed(32), "AES");
        vault.createContext("/v1/transit/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seenBodies.add(body);
            String path = ex.getRequestURI().getPath();
            int status = 200;
            String answer;
            try {
                if (!token.equals(ex.getRequestHeaders().getFirst("X-Vault-Token"))) {
                    status = 403;
                    answer = "{\"errors\":[\"permission denied\"]}";
                } else {
                    Map<String, String> in = new LinkedHashMap<>();
                    Json.readFlatObject(body, "body", in::put);
                    byte[] ad = in.containsKey("associated_data") ? Base64.getDecoder().decode(in.get("associated_data")) : new byte[0];
                    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                    if (path.equals("/v1/transit/encrypt/facta")) {
                        byte[] nonce = new SecureRandom().generateSeed(12);
                        c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
                        c.updateAAD(ad);
                        byte[] ct = c.doFinal(Base64.getDecoder().decode(in.get("plaintext")));
                        byte[] all = new byte[12 + ct.length];
                        System.arraycopy(nonce, 0, all, 0, 12);
                        System.arraycopy(ct, 0, all, 12, ct.length);
                        answer = "{\"data\":{\"ciphertext\":\"vault:v1:" + Base64.getEncoder().encodeToString(all) + "\",\"key_version\":1}}";
                    } else if (path.equals("/v1/transit/decrypt/facta")) {
                        byte[] all = Base64.getDecoder().decode(in.get("ciphertext").substring("vault:v1:".length()));
                        c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, all, 0, 12));
                        c.updateAAD(ad);
                        answer = "{\"data\":{\"plaintext\":\"" + Base64.getEncoder().encodeToString(c.doFinal(all, 12, all.length - 12)) + "\"}}";
                    } else {
                        status = 404;
                        answer = "{\"errors\":[\"no handler for route\"]}";
                    }
                }
            } catch (Exception e) {
                status = 400;
                answer = "{\"errors\":[\"cipher: message authentication failed\"]}";
            }
            byte[] out = answer.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        vault.start();
        return "http://127.0.0.1:" + vault.getAddress().getPort();
    }

    @Test
    void vault_transit_wraps_and_unwraps_data_keys_over_its_http_api() throws IOException {
        List<String> bodies = new CopyOnWriteArrayList<>();
        String address = fakeVault("s.token", bodies);
        VaultTransitKeyProvider vaultKeys = VaultTransitKeyProvider.builder().address(address).keyName("facta").token("s.token").build();
        assertThat(vaultKeys.id()).isEqualTo("vault:transit/facta");
        InMemoryKeyStore store = new InMemoryKeyStore();
        DataKeys keys = DataKeys.builder(store, vaultKeys).cacheTtl(Duration.ZERO).build();
        DataKey made = keys.forEncryption("s-1");
        assertThat(new String(store.get("s-1").orElseThrow().wrapped(), StandardCharsets.UTF_8)).startsWith("vault:v1:");
        DataKeys again = DataKeys.builder(store, vaultKeys).build();
        assertThat(again.forDecryption("s-1", made.keyId()).orElseThrow().key().getEncoded()).isEqualTo(made.key().getEncoded());
        assertThat(bodies).anyMatch(b -> b.contains("associated_data"));

        // a wrapped key moved to another subject does not unwrap: the subject is associated data
        WrappedKey w = store.get("s-1").orElseThrow();
        store.createOrGet(new WrappedKey("s-2", w.keyId(), w.masterKey(), w.wrapped(), w.createdAt()));
        assertThatThrownBy(() -> again.forDecryption("s-2", w.keyId())).isInstanceOf(FactaException.class)
                .hasMessageContaining("HTTP 400").hasMessageContaining("authentication failed");

        VaultTransitKeyProvider badToken = VaultTransitKeyProvider.builder().address(address).keyName("facta").token("wrong").build();
        assertThatThrownBy(() -> badToken.wrap(new byte[32], new byte[0])).isInstanceOf(FactaException.class)
                .hasMessageContaining("HTTP 403").hasMessageContaining("permission denied").hasMessageNotContaining("wrong");
        assertThatThrownBy(() -> VaultTransitKeyProvider.builder().address("ftp://x").keyName("k").token("t").build())
                .isInstanceOf(InvalidInputException.class);
        vault.stop(0);
        vault = null;
        assertThatThrownBy(() -> vaultKeys.wrap(new byte[32], new byte[0])).isInstanceOf(FactaException.class)
                .hasMessageContaining("Vault transit encrypt");
    }
}
