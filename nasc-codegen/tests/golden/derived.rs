impl nasc_runtime::Entity for Checklist {
    const TYPE_NAME: &'static str = "TodoList";
    fn from_row(
        row: nasc_runtime::rows::LoadedRow,
    ) -> ::std::result::Result<Self, nasc_runtime::rows::RowError> {
        let (__nasc_cells, __nasc_children) = row.into_parts();
        let mut __nasc_cells = __nasc_cells.into_iter();
        #[allow(unused_mut, unused_variables)]
        let mut __nasc_children = __nasc_children.into_iter();
        let id = nasc_runtime::__private::decode_cell(__nasc_cells.next(), "id")?;
        let items = nasc_runtime::__private::decode_children(
            __nasc_children.next(),
            "items",
        )?;
        ::std::result::Result::Ok(Checklist { id, items })
    }
    fn encode_row<'a>(
        &'a self,
        row: &mut nasc_runtime::encode::RowEncoder<'a>,
    ) -> ::std::result::Result<(), nasc_runtime::Error> {
        row.scalar(&self.id)?;
        row.children(&self.items)?;
        ::std::result::Result::Ok(())
    }
    fn to_json(
        &self,
    ) -> ::std::result::Result<
        nasc_runtime::serde_json::Value,
        nasc_runtime::serde_json::Error,
    > {
        let mut object = nasc_runtime::serde_json::Map::new();
        object
            .insert(
                "id".into(),
                nasc_runtime::__private::JsonScalar::to_json_scalar(&self.id)
                    .map_err(|e| nasc_runtime::__private::in_property("id", e))?,
            );
        object
            .insert(
                "items".into(),
                nasc_runtime::serde_json::Value::Array(
                    self
                        .items
                        .iter()
                        .map(nasc_runtime::Entity::to_json)
                        .collect::<::std::result::Result<::std::vec::Vec<_>, _>>()?,
                ),
            );
        ::std::result::Result::Ok(nasc_runtime::serde_json::Value::Object(object))
    }
    fn from_json(
        value: nasc_runtime::serde_json::Value,
    ) -> ::std::result::Result<Self, nasc_runtime::serde_json::Error> {
        let mut object = nasc_runtime::__private::into_object(value, "TodoList")?;
        let entity = Checklist {
            id: nasc_runtime::__private::take_scalar(&mut object, "id")?,
            items: nasc_runtime::__private::take_children(&mut object, "items")?,
        };
        nasc_runtime::__private::no_leftovers(object, "TodoList")?;
        ::std::result::Result::Ok(entity)
    }
}
impl nasc_runtime::Aggregate for Checklist {
    fn id(&self) -> ::std::string::String {
        nasc_runtime::__private::IdString::id_string(&self.id)
    }
}
impl nasc_runtime::schema_type::IsSchemaType<6944381760052620889u64> for Checklist {}
#[allow(dead_code)]
impl Checklist {
    /// Property `id`, for the typed query builder.
    pub const ID: nasc_runtime::query::Field<Checklist, String> = nasc_runtime::query::Field::new(
        "id",
    );
    /// Array `items`, for the typed query builder.
    pub const ITEMS: nasc_runtime::query::Children<Checklist, Todo> = nasc_runtime::query::Children::new(
        "items",
    );
}
const _: () = {
    const _: &[u8] = include_bytes!("$ROOT/schemas/app.schema.json");
    const _: &[u8] = include_bytes!("$ROOT/schemas/app.mapping.json");
    #[allow(dead_code)]
    fn __nasc_field_types() {
        nasc_runtime::schema_type::assert_stores_as::<
            nasc_runtime::schema_type::String,
            String,
        >();
        nasc_runtime::schema_type::assert_schema_type::<6506807538094405053u64, Todo>();
    }
};
