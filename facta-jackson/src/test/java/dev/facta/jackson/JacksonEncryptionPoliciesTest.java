package dev.facta.jackson;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.facta.InvalidInputException;
import dev.facta.crypto.DataKeys;
import dev.facta.crypto.DataSubject;
import dev.facta.crypto.EncryptedEventStore;
import dev.facta.crypto.EncryptionPolicy;
import dev.facta.crypto.InMemoryKeyStore;
import dev.facta.crypto.LocalMasterKey;
import dev.facta.crypto.PersonalData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JacksonEncryptionPoliciesTest {

    record Address(@PersonalData String street, String city) {
    }

    record Phone(@PersonalData String number, String kind) {
    }

    sealed interface CustomerEvent permits Registered, Renamed, Visited {
    }

    record Registered(@DataSubject @JsonProperty("customer_id") String customerId,
                      @PersonalData @JsonProperty("e_mail") String email, Address address, List<Phone> phones,
                      int age) implements CustomerEvent {
    }

    record Renamed(@DataSubject String customerId, @PersonalData String name, @JsonIgnore @PersonalData String cached)
            implements CustomerEvent {
    }

    record Visited(String customerId, int count) implements CustomerEvent {
    }

    record Orphan(@PersonalData String email) {
    }

    final EventTypeRegistry registry = EventTypeRegistry.builder().registerSealed(CustomerEvent.class).build();

    @Test
    void rules_use_the_json_names_jackson_writes() {
        EncryptionPolicy policy = JacksonEncryptionPolicies.from(registry).build();
        String registered = registry.nameOf(Registered.class).orElseThrow();
        var rule = policy.forEventType(registered).orElseThrow();
        assertThat(rule.subject().toString()).isEqualTo("customer_id");
        assertThat(rule.fields()).extracting(Object::toString).containsExactly("e_mail", "address.street", "phones[].number");
        assertThat(policy.forEventType(registry.nameOf(Renamed.class).orElseThrow()).orElseThrow().fields())
                .extracting(Object::toString).containsExactly("name");
        assertThat(policy.eventTypes()).hasSize(2); // Visited has no personal data
    }

    @Test
    void serialized_records_are_stored_encrypted_and_deserialize_masked_after_forget() {
        JacksonEventSerializer serializer = new JacksonEventSerializer(registry);
        InMemoryEventStore raw = new InMemoryEventStore();
        EncryptedEventStore store = EncryptedEventStore.builder(raw, JacksonEncryptionPolicies.from(registry).build(),
                DataKeys.builder(new InMemoryKeyStore(), LocalMasterKey.generate()).build()).build();
        Registered event = new Registered("c-1", "ann@example.com", new Address("Elm 1", "Oslo"),
                List.of(new Phone("555-1", "home")), 40);
        store.append(StreamId.of("customer-c-1"), ExpectedVersion.any(), serializer.toEventData(event, Metadata.empty()));
        String stored = raw.readStream(StreamId.of("customer-c-1")).getFirst().dataAsString();
        assertThat(stored).doesNotContain("ann@example.com", "Elm 1", "555-1").contains("Oslo", "\"customer_id\":\"c-1\"");
        assertThat(serializer.deserialize(store.readStream(StreamId.of("customer-c-1")).getFirst())).isEqualTo(event);

        store.forget("c-1");
        Object masked = serializer.deserialize(store.readStream(StreamId.of("customer-c-1")).getFirst());
        assertThat(masked).isEqualTo(new Registered("c-1", "***", new Address("***", "Oslo"), List.of(new Phone("***", "home")), 40));
    }

    @Test
    void personal_data_without_a_subject_is_refused() {
        EventTypeRegistry bad = EventTypeRegistry.builder().register("Orphan", Orphan.class).build();
        assertThatThrownBy(() -> JacksonEncryptionPolicies.from(bad)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("@DataSubject");
    }
}
