// The pure parts of the task builder's view: the algorithm picker's search and options,
// the column picker's options, a typed list's items.
import { test } from "node:test";
import assert from "node:assert/strict";
import { algorithmOptions, columnOptions, matchAlgorithm, setItem } from "../task_builder.js";

const choices = [
  { image: "harbor2.vantage6.ai/demo/average", name: "Average", description: "Average of one numeric column" },
  { image: "harbor2.vantage6.ai/demo/alltypes", name: "Column profile (all argument types)", description: "Profiles a numeric column" },
];

test("every word of the search is in the name, image or description, any case", () => {
  assert.equal(matchAlgorithm(choices[1], "ALL types"), true);
  assert.equal(matchAlgorithm(choices[0], "harbor2 average"), true);
  assert.equal(matchAlgorithm(choices[0], "average profile"), false);
  assert.equal(matchAlgorithm(choices[0], "  "), true);
});

test("the options: matching algorithms, then a typed image no store describes", () => {
  assert.deepEqual(algorithmOptions(choices, "numeric").map((o) => o.value), choices.map((c) => c.image));
  const typed = algorithmOptions(choices, "ghcr.io/me/count:1");
  assert.equal(typed.length, 1);
  assert.equal(typed[0].free, true);
  assert.equal(typed[0].value, "ghcr.io/me/count:1");
  // a word or text with spaces is a search, not an image; a known image is not offered twice
  assert.equal(algorithmOptions(choices, "no such thing").length, 0);
  assert.equal(algorithmOptions(choices, "nothing").length, 0);
  assert.equal(algorithmOptions(choices, choices[0].image).length, 1);
});

test("columns containing the text, those starting with it first, with their notes", () => {
  const options = columnOptions(["weight_kg", "wearable_steps", "age", "sex"], { wearable_steps: "only at GAZEL" }, "A");
  assert.deepEqual(options.map((o) => o.value), ["age", "wearable_steps"]);
  assert.equal(options.find((o) => o.value === "wearable_steps").note, "only at GAZEL");
  assert.deepEqual(columnOptions(["age"], {}, "").map((o) => o.value), ["age"]);
});

test("a list item is replaced, or appended at the end", () => {
  assert.deepEqual(setItem(["1", "2"], 1, "3"), ["1", "3"]);
  assert.deepEqual(setItem(["1"], 1, ""), ["1", ""]);
  assert.deepEqual(setItem(undefined, 0, "x"), ["x"]);
});
