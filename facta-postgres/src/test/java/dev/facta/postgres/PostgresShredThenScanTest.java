package dev.facta.postgres;

import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.crypto.KeyStore;
import dev.facta.crypto.ShredThenScanContract;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Crypto-shredding on PostgreSQL, then every row of every table of the store's schema read back
 * (text columns as text, bytea columns as their bytes) and searched for the forgotten subject's
 * plaintext.
 */
class PostgresShredThenScanTest extends ShredThenScanContract {
    private final String schema = PostgresTestDatabase.newSchema("shred");

    @Override
    protected void cleanUp() {
        PostgresTestDatabase.dropSchema(schema);
    }

    @Override
    protected EventStore openEventStore() {
        return PostgresTestDatabase.storeBuilder(schema).poolSize(6).build();
    }

    @Override
    protected ProjectionStore projectionStore(EventStore raw) {
        return PostgresProjectionStore.on((PostgresEventStore) raw);
    }

    @Override
    protected SnapshotStore snapshotStore(EventStore raw) {
        return PostgresSnapshotStore.of((PostgresEventStore) raw);
    }

    @Override
    protected KeyStore keyStore(EventStore raw) {
        return PostgresKeyStore.of((PostgresEventStore) raw);
    }

    @Override
    protected List<String> findPlaintext(Set<String> needles) throws Exception {
        List<String> found = new ArrayList<>();
        int tables = 0;
        try (Connection c = PostgresTestDatabase.server().connect(); Statement st = c.createStatement()) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = '"
                    + schema + "' AND table_type = 'BASE TABLE'")) {
                while (rs.next()) names.add(rs.getString(1));
            }
            for (String table : names) {
                tables++;
                try (ResultSet rs = st.executeQuery("SELECT * FROM \"" + schema + "\".\"" + table + "\"")) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            String text = md.getColumnType(i) == Types.BINARY
                                    ? (rs.getBytes(i) == null ? null : new String(rs.getBytes(i), StandardCharsets.ISO_8859_1)
                                    + new String(rs.getBytes(i), StandardCharsets.UTF_8))
                                    : rs.getString(i);
                            if (text == null) continue;
                            for (String n : needles) {
                                if (text.contains(n)) found.add(table + "." + md.getColumnName(i) + " holds '" + n + "'");
                            }
                        }
                    }
                }
            }
        }
        if (tables < 10) throw new AssertionError("only " + tables + " tables in schema " + schema + ": is it migrated?");
        return found;
    }
}
