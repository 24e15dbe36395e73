nasc_runtime::schema!(schema = "schemas/no-such-file.json", mapping = "schemas/app.mapping.json");

fn main() {}
