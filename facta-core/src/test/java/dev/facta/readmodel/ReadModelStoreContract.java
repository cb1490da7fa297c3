package dev.facta.readmodel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.facta.readmodel.Predicate.eq;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every read-model store keeps: the in-memory, SQLite and PostgreSQL stores extend this with a
 * fresh, empty store per test.
 */
public abstract class ReadModelStoreContract {

    protected ReadModelStore store;

    /** A fresh, empty store; subclasses clean it up in {@link #destroyStore}. */
    protected abstract ReadModelStore newStore() throws Exception;

    protected void destroyStore(ReadModelStore store) throws Exception {
        if (store instanceof AutoCloseable c) c.close();
    }

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() throws Exception {
        destroyStore(store);
    }

    protected DocumentCollection<String> json(String name) {
        return store.collection(name, DocumentCodec.json());
    }

    /** The value of the "k" field of each document (tests put the id there). */
    protected static List<String> keys(List<String> docs) {
        List<String> out = new ArrayList<>();
        for (String d : docs) out.add((String) Documents.parse(d).get("k"));
        return out;
    }

    @Test
    void documents_round_trip_and_are_found_by_their_fields() {
        DocumentCollection<String> orders = json("orders");
        orders.put("o-1", "{\"k\":\"o-1\",\"status\":\"open\",\"total\":10}");
        orders.put("o-2", "{\"k\":\"o-2\",\"status\":\"paid\",\"total\":20}");
        assertThat(Documents.parse(orders.get("o-1").orElseThrow())).isEqualTo(Documents.parse("{\"k\":\"o-1\",\"status\":\"open\",\"total\":10}"));
        assertThat(keys(orders.find(Query.where("status", eq("paid"))).items())).containsExactly("o-2");
        assertThat(orders.count(Query.all())).isEqualTo(2);
        assertThat(orders.getMany(List.of("o-2", "o-3")).keySet()).containsExactly("o-2");
        assertThat(store.collections()).containsExactly("orders");
        assertThat(orders.getMany(List.of())).isEqualTo(Map.of());
    }
}
