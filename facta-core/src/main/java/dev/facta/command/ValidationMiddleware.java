package dev.facta.command;

import dev.facta.InvalidInputException;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Refuses malformed commands before their handler runs, so nothing is written. Commands that
 * implement {@link Validatable} are asked to {@code validate()} themselves; and when Jakarta Bean
 * Validation (e.g. Hibernate Validator) is on the class path, the command's constraint
 * annotations ({@code @NotBlank}, {@code @Positive}, ...) are checked too, every violation named
 * in one {@link InvalidInputException}. The core does not depend on Jakarta: it is found at run
 * time, and without it only {@code validate()} runs.
 */
public final class ValidationMiddleware implements CommandMiddleware {
    private static final System.Logger LOG = System.getLogger(ValidationMiddleware.class.getName());

    private final Object validator;
    private final Method validate;

    public ValidationMiddleware() {
        Object v = null;
        Method m = null;
        try {
            Class<?> validation = Class.forName("jakarta.validation.Validation");
            Object factory = validation.getMethod("buildDefaultValidatorFactory").invoke(null);
            v = factory.getClass().getMethod("getValidator").invoke(factory);
            m = Class.forName("jakarta.validation.Validator").getMethod("validate", Object.class, Class[].class);
        } catch (ClassNotFoundException absent) {
            // no Jakarta Bean Validation on the class path: validate() hooks only
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "Jakarta Bean Validation is on the class path but could not start; "
                    + "only validate() hooks will run: " + e);
            v = null;
            m = null;
        }
        this.validator = v;
        this.validate = m;
    }

    /** Whether constraint annotations are checked (Jakarta Bean Validation was found). */
    public boolean checksAnnotations() {
        return validator != null;
    }

    @Override
    public Object handle(CommandMessage<?> command, Next next) throws Exception {
        if (validator != null) checkConstraints(command.payload());
        if (command.payload() instanceof Validatable v) {
            v.validate();
        }
        return next.proceed(command);
    }

    private void checkConstraints(Object payload) throws ReflectiveOperationException {
        Set<?> violations = (Set<?>) validate.invoke(validator, payload, new Class<?>[0]);
        if (violations.isEmpty()) return;
        List<String> problems = new ArrayList<>();
        String first = null;
        for (Object v : violations) {
            String path = String.valueOf(v.getClass().getMethod("getPropertyPath").invoke(v));
            String message = String.valueOf(v.getClass().getMethod("getMessage").invoke(v));
            problems.add(path + " " + message);
            if (first == null || path.compareTo(first) < 0) first = path;
        }
        problems.sort(null);
        throw new InvalidInputException(first, payload.getClass().getSimpleName() + " is invalid: " + String.join("; ", problems));
    }
}
