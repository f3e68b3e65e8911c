// The UTF-8 encoder (src/mqtt/utf8) on the forms XS gives a string's bytes in besides UTF-8, on
// whichever engine runs this: U+0000 (XS keeps C0 80), a surrogate pair made by concatenating its
// halves (XS keeps two 3-byte surrogates), lone surrogates, and a string XS made from bytes that are
// not UTF-8 (String.fromArrayBuffer checks only the shape of each sequence). Each case gives the
// encoder's bytes as hex, or its error.
import { encodeUtf8 } from "../../../src/mqtt/utf8";
import { errorText, fromHex, hex } from "../scenario";

export interface Input {
	/** [high, low]: each case is built by concatenating them, after the parts went through a function */
	joined: [string, string][];
	/** strings encoded as they are, nulAllowed false then true */
	plain: string[];
	/** byte strings (hex) String.fromArrayBuffer takes, encoded (XS only: Node's refuses them) */
	madeFromBytes: string[];
}

const encode = (text: string, nulAllowed: boolean) => {
	try {
		return hex(encodeUtf8(text, "field", nulAllowed));
	}
	catch (e) {
		return errorText(e);
	}
};
// Concatenated at run time, so no compiler joins the literals.
const concat = (a: string, b: string) => a + b;

export function run(input: Input, xs: unknown) {
	return {
		joined: input.joined.map(([a, b]) => encode(concat(a, b), true)),
		plain: input.plain.map(text => [encode(text, false), encode(text, true)]),
		madeFromBytes: xs ? input.madeFromBytes.map(bytes => encode(String.fromArrayBuffer(fromHex(bytes).buffer as ArrayBuffer), true)) : [],
	};
}

export type Output = ReturnType<typeof run>;
