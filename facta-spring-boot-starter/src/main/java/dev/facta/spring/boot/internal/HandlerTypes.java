package dev.facta.spring.boot.internal;

import dev.facta.InvalidInputException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.ResolvableType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Finds handler beans and the message type each handles, from the bean's generic type: a class that
 * implements {@code CommandHandler<PlaceOrder, String>}, or a {@code @Bean} method declared to return
 * one (a lambda keeps its types only through the method's declared return type).
 */
public final class HandlerTypes {
    private HandlerTypes() {
    }

    /** Beans of {@code handlerType} keyed by the type of their first type argument, in registration order. */
    public static <H> Map<Class<?>, H> find(ConfigurableListableBeanFactory beans, Class<H> handlerType) {
        Map<Class<?>, H> out = new LinkedHashMap<>();
        for (String name : beans.getBeanNamesForType(handlerType)) {
            Class<?> handled = handled(beans, name, handlerType);
            if (handled == null) {
                throw new InvalidInputException(name, "bean '" + name + "' is a " + handlerType.getSimpleName()
                        + " whose message type cannot be told: declare it with its type arguments (e.g. "
                        + handlerType.getSimpleName() + "<PlaceOrder, String>)");
            }
            H handler = beans.getBean(name, handlerType);
            H other = out.putIfAbsent(handled, handler);
            if (other != null) {
                throw new InvalidInputException(name, "two " + handlerType.getSimpleName() + " beans handle "
                        + handled.getName() + "; a message type has one handler");
            }
        }
        return out;
    }

    private static Class<?> handled(ConfigurableListableBeanFactory beans, String name, Class<?> handlerType) {
        if (beans.containsBeanDefinition(name)) {
            ResolvableType declared = beans.getMergedBeanDefinition(name).getResolvableType();
            Class<?> c = declared.as(handlerType).getGeneric(0).resolve();
            if (c != null) return c;
        }
        Class<?> actual = beans.getType(name);
        return actual == null ? null : ResolvableType.forClass(actual).as(handlerType).getGeneric(0).resolve();
    }
}
