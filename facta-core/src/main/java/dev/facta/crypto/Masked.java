package dev.facta.crypto;

/**
 * A value that a read returned masked instead of decrypted, as reported to a {@link MaskListener}.
 * It never holds the value itself.
 *
 * @param reason  why it could not be decrypted
 * @param subject the data subject named by the event or snapshot (null when it names none)
 * @param where   the event or snapshot it was read from, e.g. {@code event #12 (customer-7@0, CustomerRegistered)}
 * @param field   the JSON path of the value, e.g. {@code "address"."street"}
 */
public record Masked(Reason reason, String subject, String where, String field) {

    /** Why a value reads as masked. */
    public enum Reason {
        /** The subject's key was destroyed ({@code forget}): the expected outcome of crypto-shredding. */
        FORGOTTEN,
        /**
         * The subject has a key, but not the one the value names: the subject was forgotten and has
         * been seen again since (a new key), or the value was moved here from another subject.
         */
        UNKNOWN_KEY,
        /**
         * The value failed authentication: it was altered, or moved from another subject, field or
         * event. Reported and logged as a warning, because it means someone changed stored data.
         */
        TAMPERED,
        /** The value cannot be attributed: its event type has no rule naming the subject, or the subject field is missing. */
        UNATTRIBUTED
    }
}
