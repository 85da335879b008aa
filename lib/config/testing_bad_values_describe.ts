/** Bad values of the `describe` section of `.loom/config.yaml`, each with the position its error must point at. */
import type { BadCase } from "./testing.ts";

export const DESCRIBE_BAD_VALUES: BadCase[] = [
  {
    option: "describe",
    yaml: "describe: yes please",
    path: "describe",
    line: 1,
    column: 11,
    message: /Must be a mapping/,
  },
  {
    option: "describe.auto",
    yaml: "describe:\n  auto: sometimes",
    path: "describe.auto",
    line: 2,
    column: 9,
    message: /Must be true or false/,
  },
  {
    option: "describe.location",
    yaml: "describe:\n  location: descripton",
    path: "describe.location",
    line: 2,
    column: 13,
    message: /Must be one of "description", "comment"/,
    suggestion: "description",
  },
  {
    option: "describe.title",
    yaml: "describe:\n  title: 1",
    path: "describe.title",
    line: 2,
    column: 10,
    message: /Must be true or false/,
  },
  {
    option: "describe.walkthrough",
    yaml: "describe:\n  walkthrough: full",
    path: "describe.walkthrough",
    line: 2,
    column: 16,
    message: /Must be true or false/,
  },
  {
    option: "describe.diagram",
    yaml: "describe:\n  diagram: mermaid",
    path: "describe.diagram",
    line: 2,
    column: 12,
    message: /Must be true or false/,
  },
  {
    option: "describe.model",
    yaml: "describe:\n  model: defualt",
    path: "describe.model",
    line: 2,
    column: 10,
    message: /Must name a model in models: current value is "defualt"/,
    suggestion: "default",
  },
];
