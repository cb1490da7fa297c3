package dev.facta.crypto;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the record component that names the data subject (the person) the event's
 * {@link PersonalData} belongs to. Its value is stored in clear, because reads need it to find the
 * subject's key: use a surrogate id (a customer number, a UUID), never an e-mail address or a name.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
public @interface DataSubject {
}
