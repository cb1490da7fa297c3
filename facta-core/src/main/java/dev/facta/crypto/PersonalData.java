package dev.facta.crypto;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record component whose value is personal data of the event's {@link DataSubject}: it is
 * stored encrypted under the subject's data key and reads as masked once the subject is forgotten.
 * On a component whose type is itself a record, the whole nested value is encrypted as one; mark
 * components of the nested record instead to encrypt only those.
 *
 * <p>Read by {@link EncryptionPolicy.Builder#annotated(String, Class)} (component names as JSON
 * field names) and by facta-jackson's {@code JacksonEncryptionPolicies} (Jackson's property names).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
public @interface PersonalData {
}
