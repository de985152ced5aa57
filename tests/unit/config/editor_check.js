// Applies the stack file schema as VS Code's YAML extension does, through its engine (yaml-language-server).
// stdin: {"root": workspace folder, "settings": .vscode/settings.json or null, "files": [{"path", "text",
// "complete": offset|null}]}
// stdout: one JSON line per file: {"path", "problems": ["line:col message"], "completion": [labels]|null}
const { getLanguageService } = require('yaml-language-server/lib/umd/languageservice/yamlLanguageService');
const { relativeToAbsolutePath } = require('yaml-language-server/lib/umd/languageservice/utils/paths');
const { TextDocument } = require('vscode-languageserver-textdocument');
const { URI } = require('vscode-uri');
const fs = require('fs');
const url = require('url');

const job = JSON.parse(fs.readFileSync(0, 'utf8'));
const service = getLanguageService({
  schemaRequestService: (uri) => Promise.resolve(fs.readFileSync(url.fileURLToPath(uri), 'utf8')),
  workspaceContext: { resolveRelativePath: (relative, resource) => new URL(relative, resource).href },
});
// The workspace's `yaml.schemas` setting, its schema paths resolved against the workspace as the server
// does (settingsHandlers.configureSchemas); without settings only a file's own modeline applies.
const mapping = job.settings ? JSON.parse(fs.readFileSync(job.settings, 'utf8'))['yaml.schemas'] : {};
const schemas = Object.entries(mapping).map(([schema, globs]) => ({
  uri: relativeToAbsolutePath([], URI.file(job.root), schema),
  fileMatch: Array.isArray(globs) ? globs : [globs],
}));
service.configure({ validate: true, completion: true, schemas });

(async () => {
  for (const file of job.files) {
    const doc = TextDocument.create(url.pathToFileURL(file.path).href, 'yaml', 1, file.text);
    const diagnostics = await service.doValidation(doc, false);
    let completion = null;
    if (file.complete !== null) {
      const list = await service.doComplete(doc, doc.positionAt(file.complete), false);
      completion = list.items.map((item) => item.label);
    }
    const problems = diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
    console.log(JSON.stringify({ path: file.path, problems, completion }));
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
