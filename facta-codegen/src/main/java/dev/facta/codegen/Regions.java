package dev.facta.codegen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The editable parts of a generated file: the lines between {@code // facta:begin <name>} and
 * {@code // facta:end <name>} (each marker alone on its line). Regeneration keeps what a region holds
 * verbatim and rewrites everything else.
 */
public final class Regions {

    /** The start marker, followed by the region's name. */
    public static final String BEGIN = "// facta:begin ";
    /** The end marker, followed by the region's name. */
    public static final String END = "// facta:end ";

    private static final Pattern MARKER = Pattern.compile("^\\s*// facta:(begin|end) (\\S+)\\s*$");

    /**
     * A file split at its regions: {@code bodies} name to the region's lines (each ending with a newline),
     * {@code frame} the text with every region's body removed, markers kept.
     */
    public record Split(Map<String, String> bodies, String frame) {
    }

    private Regions() {
    }

    /**
     * Splits a text at its regions.
     *
     * @throws IllegalArgumentException markers that do not pair up (nested, unclosed, repeated, mismatched)
     */
    public static Split split(String text) {
        Map<String, String> bodies = new LinkedHashMap<>();
        StringBuilder frame = new StringBuilder();
        StringBuilder body = null;
        String open = null;
        int lineNo = 0;
        for (String line : lines(text)) {
            lineNo++;
            Matcher m = MARKER.matcher(line);
            if (m.find()) {
                String name = m.group(2);
                if (m.group(1).equals("begin")) {
                    if (open != null) throw new IllegalArgumentException("line " + lineNo + ": region '" + name
                            + "' starts inside region '" + open + "'");
                    if (bodies.containsKey(name)) throw new IllegalArgumentException("line " + lineNo + ": region '" + name
                            + "' appears twice");
                    open = name;
                    body = new StringBuilder();
                } else {
                    if (!name.equals(open)) throw new IllegalArgumentException("line " + lineNo + ": 'facta:end " + name
                            + "' does not close " + (open == null ? "any region" : "region '" + open + "'"));
                    bodies.put(name, body.toString());
                    open = null;
                    body = null;
                }
                frame.append(line);
            } else if (body != null) {
                body.append(line);
            } else {
                frame.append(line);
            }
        }
        if (open != null) throw new IllegalArgumentException("region '" + open + "' is never closed");
        return new Split(bodies, frame.toString());
    }

    /**
     * The text with each region's body replaced by the one in {@code keep} of the same name, where there is one.
     * Regions of the text that {@code keep} lacks keep their own body.
     */
    public static String merge(String text, Map<String, String> keep) {
        StringBuilder out = new StringBuilder();
        String open = null;
        for (String line : lines(text)) {
            Matcher m = MARKER.matcher(line);
            if (m.find()) {
                if (m.group(1).equals("begin")) {
                    open = m.group(2);
                    out.append(line);
                    if (keep.containsKey(open)) out.append(keep.get(open));
                } else {
                    open = null;
                    out.append(line);
                }
            } else if (open == null || !keep.containsKey(open)) {
                out.append(line);
            }
        }
        return out.toString();
    }

    /** The lines of a text, each with its newline (the last one may lack it). */
    static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lines.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) lines.add(text.substring(start));
        return lines;
    }
}
