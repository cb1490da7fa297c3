package dev.facta.server;

import dev.facta.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The token file format, its errors, and the registry's revocations and reloads. */
class AccessTokensTest {
    static final String EXAMPLE = """
            {"tokens": [
              {"id": "ops-ro", "secret": "ops-ro-secret-0123456789", "tenants": ["acme"],
               "grants": [{"streams": "order-", "rights": ["read"]},
                          {"categories": ["payment"], "rights": ["read", "write"]}]},
              {"id": "admin", "secretSha256": "%s", "tenants": "*", "admin": true,
               "grants": [{"streams": "*", "rights": ["read", "write"]}]}
            ]}""".formatted(HexFormat.of().formatHex(AccessToken.sha256("admin-secret-0123456789")));

    @Test
    void the_file_gives_each_token_its_tenants_grants_and_admin_flag(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokens.json");
        Files.writeString(file, EXAMPLE);
        try (AccessTokens tokens = AccessTokens.fromFile(file)) {
            assertThat(tokens.ids()).containsExactly("admin", "ops-ro");
            AccessToken ops = tokens.authenticate("ops-ro-secret-0123456789").orElseThrow();
            assertThat(ops.id()).isEqualTo("ops-ro");
            assertThat(ops.allowsTenant("acme")).isTrue();
            assertThat(ops.allowsTenant("globex")).isFalse();
            assertThat(ops.canRead("order-1")).isTrue();
            assertThat(ops.canWrite("order-1")).isFalse();
            assertThat(ops.canRead("payment-9")).isTrue();
            assertThat(ops.canWrite("payment-9")).isTrue();
            assertThat(ops.canRead("payments-9")).isFalse();
            assertThat(ops.canRead("payroll-1")).isFalse();
            assertThat(ops.readsEverything()).isFalse();
            assertThat(ops.admin()).isFalse();

            AccessToken admin = tokens.authenticate("admin-secret-0123456789").orElseThrow();
            assertThat(admin.allTenants()).isTrue();
            assertThat(admin.readsEverything()).isTrue();
            assertThat(admin.admin()).isTrue();
            assertThat(tokens.authenticate("admin-secret-012345678")).isEmpty();
            assertThat(tokens.authenticate("")).isEmpty();
            assertThat(tokens.authenticate(null)).isEmpty();
            assertThat(admin.toString()).doesNotContain("secret-0123456789");
        }
    }

    @Test
    void a_malformed_file_is_refused_whole_and_a_reload_keeps_the_tokens_read_before(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokens.json");
        Files.writeString(file, EXAMPLE);
        try (AccessTokens tokens = AccessTokens.fromFile(file)) {
            List<String> broken = List.of(
                    "not json",
                    "{\"tokens\": {}}",
                    "{\"tokens\": [{\"id\": \"a\", \"secret\": \"short\"}]}",
                    "{\"tokens\": [{\"id\": \"a\", \"secret\": \"long-enough-secret-1\", \"secretSha256\": \"00\"}]}",
                    "{\"tokens\": [{\"id\": \"a\"}]}",
                    "{\"tokens\": [{\"id\": \"a b\", \"secret\": \"long-enough-secret-1\"}]}",
                    "{\"tokens\": [{\"id\": \"a\", \"secret\": \"long-enough-secret-1\", \"tenant\": [\"acme\"]}]}",
                    "{\"tokens\": [{\"id\": \"a\", \"secret\": \"long-enough-secret-1\", \"tenants\": [\"Acme\"]}]}",
                    "{\"tokens\": [{\"id\": \"a\", \"secret\": \"long-enough-secret-1\", \"grants\": [{\"streams\": \"x-\", \"rights\": [\"delete\"]}]}]}",
                    "{\"tokens\": [{\"id\": \"a\", \"secret\": \"long-enough-secret-1\", \"grants\": [{\"rights\": [\"read\"]}]}]}",
                    "{\"tokens\": [{\"id\": \"a\", \"secret\": \"long-enough-secret-1\", \"grants\": [{\"streams\": \"\", \"rights\": [\"read\"]}]}]}",
                    "{\"tokens\": [{\"id\": \"a\", \"secret\": \"long-enough-secret-1\", \"grants\": [{\"streams\": \"x-\", \"rights\": []}]}]}",
                    "{\"tokens\": [{\"id\": \"a\", \"secret\": \"long-enough-secret-1\", \"admin\": \"yes\"}]}",
                    "{\"tokens\": [{\"id\": \"a\", \"secret\": \"long-enough-secret-1\"}, {\"id\": \"a\", \"secret\": \"long-enough-secret-2\"}]}",
                    "{\"tokens\": [{\"id\": \"a\", \"secret\": \"long-enough-secret-1\"}, {\"id\": \"b\", \"secret\": \"long-enough-secret-1\"}]}",
                    "{\"tokens\": [{\"id\": \"a\", \"id\": \"b\", \"secret\": \"long-enough-secret-1\"}]}");
            for (String content : broken) {
                assertThrows(InvalidInputException.class, () -> AccessTokens.parse(content.getBytes(StandardCharsets.UTF_8), "test"), content);
                Files.writeString(file, content);
                assertThrows(InvalidInputException.class, tokens::reload, content);
                assertThat(tokens.ids()).as(content).containsExactly("admin", "ops-ro");
            }
            Files.delete(file);
            assertThrows(InvalidInputException.class, tokens::reload);
            assertThat(tokens.ids()).containsExactly("admin", "ops-ro");
        }
        assertThrows(InvalidInputException.class, () -> AccessTokens.fromFile(dir.resolve("missing.json")));
    }

    @Test
    void a_revoked_id_stays_revoked_over_file_reloads_until_it_is_put_again(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokens.json");
        Files.writeString(file, EXAMPLE);
        try (AccessTokens tokens = AccessTokens.fromFile(file)) {
            AtomicInteger changes = new AtomicInteger();
            tokens.onChange(changes::incrementAndGet);
            AccessToken ops = tokens.byId("ops-ro").orElseThrow();

            assertThat(tokens.revoke("ops-ro")).isTrue();
            assertThat(tokens.revoke("ops-ro")).isFalse();
            assertThat(tokens.authenticate("ops-ro-secret-0123456789")).isEmpty();
            assertThat(tokens.current(ops)).isEmpty();
            Files.writeString(file, EXAMPLE + "\n");
            tokens.reload();
            assertThat(tokens.ids()).containsExactly("admin");

            tokens.put(AccessToken.builder("ops-ro").secret("new-secret-0123456789")
                    .grant(AccessToken.Grant.streams("order-", AccessToken.Right.READ)).build());
            assertThat(tokens.authenticate("new-secret-0123456789")).isPresent();
            assertThat(tokens.current(ops)).as("another secret is another token").isEmpty();
            assertThat(changes.get()).isEqualTo(4);
        }
    }

    @Test
    void bad_tokens_are_refused_by_the_builder() {
        assertThrows(InvalidInputException.class, () -> AccessToken.builder("").secret("x").build());
        assertThrows(InvalidInputException.class, () -> AccessToken.builder(".hidden").secret("x").build());
        assertThrows(InvalidInputException.class, () -> AccessToken.builder("a").build());
        assertThrows(InvalidInputException.class, () -> AccessToken.builder("a").secret(" ").build());
        assertThrows(InvalidInputException.class, () -> AccessToken.builder("a").secretSha256("abc").build());
        assertThrows(InvalidInputException.class, () -> AccessToken.builder("a").tenants("Not-Valid").build());
        assertThrows(InvalidInputException.class, () -> AccessToken.Grant.categories(java.util.Set.of("a-b"), AccessToken.Right.READ));
        assertThrows(InvalidInputException.class, () -> AccessToken.Grant.streams("order-"));
    }
}
