package dev.facta.crypto;

import dev.facta.InvalidInputException;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FieldCipherTest {
    final InMemoryEventStore raw = new InMemoryEventStore();
    final InMemoryKeyStore keyStore = new InMemoryKeyStore();
    final DataKeys keys = DataKeys.builder(keyStore, LocalMasterKey.generate()).build();
    final List<Masked> masked = new ArrayList<>();
    final EncryptionPolicy policy = EncryptionPolicy.builder()
            .eventType("Registered").subject("who.id").fields("email", "age", "vip", "address", "phones[]", "contacts[].mail")
            .build();
    final EncryptedEventStore store = EncryptedEventStore.builder(raw, policy, keys).maskListener(masked::add).build();

    static final String DOC = "{\"who\":{\"id\":\"s-1\"},\"email\":\"a@b.c\",\"age\":42.50,\"vip\":true,"
            + "\"address\":{\"street\":\"Elm 1\",\"n\":[1,2]},\"phones\":[\"111\",\"222\"],"
            + "\"contacts\":[{\"mail\":\"x@y\",\"kind\":\"work\"},{\"kind\":\"none\"}],\"plain\":\"kept\",\"nothing\":null}";

    @Test
    void stored_values_are_encrypted_in_place_and_read_back_exactly() {
        store.append(StreamId.of("c-1"), ExpectedVersion.any(), EventData.of("Registered", DOC));
        String stored = raw.readStream(StreamId.of("c-1")).getFirst().dataAsString();
        assertThat(stored).doesNotContain("a@b.c", "42.50", "Elm 1", "111", "222", "x@y")
                .contains("\"who\":{\"id\":\"s-1\"}", "\"plain\":\"kept\"", "\"kind\":\"work\"", "\"nothing\":null")
                .contains("\"email\":\"facta:enc:1:");
        Map<?, ?> tree = (Map<?, ?>) JsonTree.parse(stored, "data");
        assertThat(tree.keySet().stream().map(Object::toString).toList()).containsExactly("who", "email", "age", "vip", "address", "phones", "contacts", "plain", "nothing");
        assertThat((String) tree.get("vip")).contains(":b:");
        assertThat((String) tree.get("address")).contains(":o:");
        assertThat(store.readStream(StreamId.of("c-1")).getFirst().dataAsString()).isEqualTo(DOC);
        assertThat(masked).isEmpty();
    }

    @Test
    void after_forget_every_kind_is_masked_with_its_placeholder() {
        store.append(StreamId.of("c-1"), ExpectedVersion.any(), EventData.of("Registered", DOC));
        store.forget("s-1");
        assertThat(store.readStream(StreamId.of("c-1")).getFirst().dataAsString()).isEqualTo(
                "{\"who\":{\"id\":\"s-1\"},\"email\":\"***\",\"age\":null,\"vip\":null,\"address\":null,"
                        + "\"phones\":[\"***\",\"***\"],\"contacts\":[{\"mail\":\"***\",\"kind\":\"work\"},{\"kind\":\"none\"}],"
                        + "\"plain\":\"kept\",\"nothing\":null}");
        assertThat(masked).hasSize(7).allMatch(m -> m.reason() == Masked.Reason.FORGOTTEN);
        List<RecordedEvent> log = store.readAll(1, 10).events();
        assertThat(log.getLast().type()).isEqualTo("SubjectForgotten");
        assertThat(EncryptedEventStore.forgottenSubject(log.getLast())).isEqualTo("s-1");
    }

    @Test
    void a_subject_seen_again_after_forget_gets_a_new_key_and_old_values_stay_masked() {
        store.append(StreamId.of("c-1"), ExpectedVersion.any(), EventData.of("Registered", DOC));
        store.forget("s-1");
        store.append(StreamId.of("c-1"), ExpectedVersion.any(), EventData.of("Registered", DOC.replace("a@b.c", "new@b.c")));
        List<RecordedEvent> events = store.readStream(StreamId.of("c-1"));
        assertThat(events.get(0).dataAsString()).contains("\"email\":\"***\"");
        assertThat(events.get(1).dataAsString()).contains("\"email\":\"new@b.c\"");
    }

    @Test
    void values_swapped_between_subjects_fields_or_events_fail_authentication_and_read_masked() {
        String other = DOC.replace("s-1", "s-2").replace("a@b.c", "other@b.c");
        store.append(StreamId.of("c-1"), ExpectedVersion.any(), EventData.of("Registered", DOC));
        store.append(StreamId.of("c-2"), ExpectedVersion.any(), EventData.of("Registered", other));
        store.append(StreamId.of("c-1"), ExpectedVersion.any(), EventData.of("Registered", DOC));
        Map<?, ?> one = (Map<?, ?>) JsonTree.parse(raw.readStream(StreamId.of("c-1")).get(0).dataAsString(), "d");
        Map<?, ?> two = (Map<?, ?>) JsonTree.parse(raw.readStream(StreamId.of("c-2")).get(0).dataAsString(), "d");
        Map<?, ?> three = (Map<?, ?>) JsonTree.parse(raw.readStream(StreamId.of("c-1")).get(1).dataAsString(), "d");
        String scope = "event:" + raw.readStream(StreamId.of("c-1")).get(0).id();
        FieldCipher cipher = store.cipher();
        var rule = policy.forEventType("Registered").orElseThrow();

        // another subject's e-mail in subject 1's event
        String swappedSubject = DOC.replace("\"a@b.c\"", "\"" + two.get("email") + "\"");
        assertThat(cipher.decrypt(swappedSubject, rule, scope, "test", "data", masked::add).json()).contains("\"email\":\"***\"");
        // the same subject's street moved into the e-mail field (both strings? address is an object; use phones)
        List<?> phones = (List<?>) one.get("phones");
        String swappedField = DOC.replace("\"a@b.c\"", "\"" + phones.get(0) + "\"");
        assertThat(cipher.decrypt(swappedField, rule, scope, "test", "data", masked::add).json()).contains("\"email\":\"***\"");
        // array slots exchanged
        String swappedSlots = DOC.replace("[\"111\",\"222\"]", "[\"" + phones.get(1) + "\",\"" + phones.get(0) + "\"]");
        assertThat(cipher.decrypt(swappedSlots, rule, scope, "test", "data", masked::add).json()).contains("\"phones\":[\"***\",\"***\"]");
        // a value copied from another event of the same subject
        String swappedEvent = DOC.replace("\"a@b.c\"", "\"" + three.get("email") + "\"");
        assertThat(cipher.decrypt(swappedEvent, rule, scope, "test", "data", masked::add).json()).contains("\"email\":\"***\"");
        // a flipped bit and a mangled format
        String email = (String) one.get("email");
        char c = email.charAt(email.length() - 3);
        String flipped = email.substring(0, email.length() - 3) + (c == 'A' ? 'B' : 'A') + email.substring(email.length() - 2);
        assertThat(cipher.decrypt(DOC.replace("\"a@b.c\"", "\"" + flipped + "\""), rule, scope, "test", "data", masked::add).json())
                .contains("\"email\":\"***\"");
        assertThat(cipher.decrypt(DOC.replace("\"a@b.c\"", "\"facta:enc:1:zz\""), rule, scope, "test", "data", masked::add).json())
                .contains("\"email\":\"***\"");
        assertThat(masked).extracting(Masked::reason).containsExactly(Masked.Reason.UNKNOWN_KEY, Masked.Reason.TAMPERED,
                Masked.Reason.TAMPERED, Masked.Reason.TAMPERED, Masked.Reason.TAMPERED, Masked.Reason.TAMPERED, Masked.Reason.TAMPERED);
    }

    @Test
    void a_tampered_row_in_the_store_reads_masked_through_every_read() {
        store.append(StreamId.of("c-1"), ExpectedVersion.any(), EventData.of("Registered", DOC));
        store.append(StreamId.of("c-2"), ExpectedVersion.any(), EventData.of("Registered", DOC));
        // a tampering copy: event 2's ciphertexts pasted into a new event of another stream, appended raw
        String stolen = raw.readStream(StreamId.of("c-2")).getFirst().dataAsString();
        raw.append(StreamId.of("c-3"), ExpectedVersion.any(), EventData.of("Registered", stolen));
        String read = store.readStream(StreamId.of("c-3")).getFirst().dataAsString();
        assertThat(read).contains("\"email\":\"***\"").doesNotContain("a@b.c");
        assertThat(store.readAll(1, 10).events()).hasSize(3);
        assertThat(masked).isNotEmpty().allMatch(m -> m.reason() == Masked.Reason.TAMPERED);
    }

    @Test
    void bad_input_is_refused_whole_and_nothing_is_stored() {
        assertThatThrownBy(() -> store.append(StreamId.of("c-1"), ExpectedVersion.any(),
                EventData.of("Registered", "{\"who\":{},\"email\":\"a@b.c\"}")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("subject field 'who.id'");
        assertThatThrownBy(() -> store.append(StreamId.of("c-1"), ExpectedVersion.any(),
                EventData.of("Other", "{\"x\":\"ok\"}"), EventData.of("Other", "{\"x\":\"facta:enc:1:a:s:b:c\"}")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("events[1].data");
        assertThatThrownBy(() -> store.append(StreamId.of("c-1"), ExpectedVersion.any(), EventData.of("Registered", "{nope")))
                .isInstanceOf(InvalidInputException.class);
        assertThat(raw.headPosition()).isZero();
        // without personal values there is nothing to encrypt, and no subject is needed
        store.append(StreamId.of("c-1"), ExpectedVersion.any(), EventData.of("Registered", "{\"plain\":1}"));
        assertThat(raw.readStream(StreamId.of("c-1")).getFirst().dataAsString()).isEqualTo("{\"plain\":1}");
        assertThat(keyStore.subjects(null, 10)).isEmpty();
    }

    @Test
    void policies_refuse_overlaps_and_missing_parts() {
        assertThatThrownBy(() -> EncryptionPolicy.builder().eventType("A").subject("id").fields("address", "address.street").build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("overlap");
        assertThatThrownBy(() -> EncryptionPolicy.builder().eventType("A").subject("id").fields("id").build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("subject");
        assertThatThrownBy(() -> EncryptionPolicy.builder().eventType("A").fields("x").build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("names no subject");
        assertThatThrownBy(() -> EncryptionPolicy.builder().eventType("A").subject("l[].id").fields("x").build())
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> EncryptionPolicy.FieldPath.parse("a..b")).isInstanceOf(InvalidInputException.class);
    }

    record Address(@PersonalData String street, String city) {
    }

    record Contact(@PersonalData String phone, String kind) {
    }

    record CustomerRegistered(@DataSubject String customerId, @PersonalData String email, Address home,
                              List<Contact> contacts, int visits) {
    }

    @Test
    void annotations_on_record_components_declare_the_rule() {
        EncryptionPolicy p = EncryptionPolicy.builder().annotated("CustomerRegistered", CustomerRegistered.class).build();
        var rule = p.forEventType("CustomerRegistered").orElseThrow();
        assertThat(rule.subject().toString()).isEqualTo("customerId");
        assertThat(rule.fields()).extracting(Object::toString).containsExactly("email", "home.street", "contacts[].phone");
        assertThatThrownBy(() -> EncryptionPolicy.builder().annotated("A", Address.class))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("@DataSubject");
    }
}
