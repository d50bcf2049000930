// Test oracle: renders chat templates with @huggingface/jinja (the Jinja engine of transformers.js).
// stdin: a JSON array of {"template": "...", "context": {...}}; stdout: a JSON array of the rendered strings.
import { Template } from "@huggingface/jinja";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const jobs = JSON.parse(input);
const rendered = jobs.map(({ template, context }) => new Template(template).render(context));
process.stdout.write(JSON.stringify(rendered));
