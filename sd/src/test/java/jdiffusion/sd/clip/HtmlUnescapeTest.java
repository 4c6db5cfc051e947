package jdiffusion.sd.clip;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Expected values are Python 3.11's {@code html.unescape} of the same strings. */
class HtmlUnescapeTest {

    private static void check(String in, String once) {
        assertEquals(once, HtmlUnescape.unescape(in), in);
    }

    @Test
    void namedReferencesWithAndWithoutSemicolon() {
        check("&amp;lt;", "&lt;");
        check("&amp", "&");
        check("&ampx", "&x");
        check("&copy2024", "\u00a92024");
        check("&notit;", "\u00acit;");
        check("&notin", "\u00acin");
        check("&bogus;", "&bogus;");
        check("&&amp;;", "&&;");
        check("&frac12;&frac12", "\u00bd\u00bd");
        check("&lt&gt", "<>");
        check("a &lt;b&gt; &AMP; &Eacute &eacute; &#x1F680;", "a <b> & \u00c9 \u00e9 \ud83d\ude80");
    }

    @Test
    void numericReferences() {
        check("&#65", "A");
        check("&#x41;z", "Az");
        check("&#128;", "\u20ac");
        check("&#0;", "\ufffd");
        check("&#xD800;", "\ufffd");
        check("&#1114112;", "\ufffd");
        check("&#11;", "");
        check("&#;", "&#;");
        check("&#x;", "&#x;");
    }
}
