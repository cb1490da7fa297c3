package dev.facta.saga;

import dev.facta.internal.Json;
import dev.facta.readmodel.DocumentCodec;

import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small reflective JSON mapping of test records (the core has no JSON mapper): components of
 * type String, int, long, boolean, nested records and lists of those; a registered sealed type is
 * written with an {@code "@type"} member naming the record's simple name.
 */
public final class RecordJson {
    private final Map<String, Class<?>> types = new LinkedHashMap<>();

    public RecordJson(Class<?>... records) {
        for (Class<?> c : records) types.put(c.getSimpleName(), c);
    }

    /** A document codec of one (record or sealed) type. */
    public <T> DocumentCodec<T> codec(Class<T> type) {
        return new DocumentCodec<>() {
            @Override
            public String encode(T document) {
                return SagaJson.write(toTree(document, true));
            }

            @Override
            public T decode(String json) {
                return type.cast(fromTree(Json.parseStrict(json, 64, "document"), type));
            }
        };
    }

    /** A command codec over the registered records, by simple name. */
    public CommandCodec commands() {
        return new CommandCodec() {
            @Override
            public Encoded encode(Object command) {
                if (!types.containsValue(command.getClass())) {
                    throw new IllegalArgumentException("unregistered command type " + command.getClass().getName());
                }
                return new Encoded(command.getClass().getSimpleName(), SagaJson.write(toTree(command, false)));
            }

            @Override
            public Object decode(String type, String json) {
                Class<?> c = types.get(type);
                if (c == null) throw new IllegalArgumentException("unknown command type " + type);
                return fromTree(Json.parseStrict(json, 64, "command"), c);
            }
        };
    }

    /** A record's JSON text. */
    public String write(Object value) {
        return SagaJson.write(toTree(value, false));
    }

    Object toTree(Object value, boolean typed) {
        if (value == null || value instanceof String || value instanceof Boolean) return value;
        if (value instanceof Integer i) return BigDecimal.valueOf(i);
        if (value instanceof Long l) return BigDecimal.valueOf(l);
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object o : list) out.add(toTree(o, typed));
            return out;
        }
        if (value instanceof Record r) {
            Map<String, Object> out = new LinkedHashMap<>();
            if (typed) out.put("@type", r.getClass().getSimpleName());
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                try {
                    out.put(c.getName(), toTree(c.getAccessor().invoke(r), typed));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            return out;
        }
        throw new IllegalArgumentException("cannot map " + value.getClass());
    }

    @SuppressWarnings("unchecked")
    Object fromTree(Object tree, Type type) {
        if (tree == null) return null;
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (raw == String.class) return tree;
        if (raw == boolean.class || raw == Boolean.class) return tree;
        if (raw == int.class || raw == Integer.class) return ((BigDecimal) tree).intValueExact();
        if (raw == long.class || raw == Long.class) return ((BigDecimal) tree).longValueExact();
        if (raw == List.class) {
            Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
            List<Object> out = new ArrayList<>();
            for (Object o : (List<Object>) tree) out.add(fromTree(o, element));
            return List.copyOf(out);
        }
        Map<String, Object> m = (Map<String, Object>) tree;
        Class<?> target = raw;
        if (!raw.isRecord()) {
            target = types.get((String) m.get("@type"));
            if (target == null || !raw.isAssignableFrom(target)) throw new IllegalArgumentException("unknown type " + m.get("@type"));
        }
        RecordComponent[] cs = target.getRecordComponents();
        Class<?>[] params = new Class<?>[cs.length];
        Object[] args = new Object[cs.length];
        for (int i = 0; i < cs.length; i++) {
            params[i] = cs[i].getType();
            args[i] = fromTree(m.get(cs[i].getName()), cs[i].getGenericType());
        }
        try {
            Constructor<?> ctor = target.getDeclaredConstructor(params);
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + target.getName() + ": " + e, e);
        }
    }
}
