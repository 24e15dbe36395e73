/// Schema type `User`, stored in table `users` (primary key `id`).
#[allow(non_camel_case_types)]
#[derive(
    Debug,
    Clone,
    PartialEq,
    nasc_runtime::serde::Serialize,
    nasc_runtime::serde::Deserialize
)]
#[serde(crate = "nasc_runtime::serde", deny_unknown_fields)]
pub struct User {
    /// Property `id`.
    pub id: ::std::string::String,
    /// Property `name`.
    pub name: ::std::string::String,
    /// Property `email`.
    pub email: ::std::string::String,
}
#[allow(dead_code)]
impl User {
    /// Property `id`, for the typed query builder.
    pub const ID: nasc_runtime::query::Field<User, ::std::string::String> = nasc_runtime::query::Field::new(
        "id",
    );
    /// Property `name`, for the typed query builder.
    pub const NAME: nasc_runtime::query::Field<User, ::std::string::String> = nasc_runtime::query::Field::new(
        "name",
    );
    /// Property `email`, for the typed query builder.
    pub const EMAIL: nasc_runtime::query::Field<User, ::std::string::String> = nasc_runtime::query::Field::new(
        "email",
    );
}
impl nasc_runtime::Entity for User {
    const TYPE_NAME: &'static str = "User";
    fn from_row(
        row: nasc_runtime::rows::LoadedRow,
    ) -> ::std::result::Result<Self, nasc_runtime::rows::RowError> {
        let (__nasc_cells, __nasc_children) = row.into_parts();
        let mut __nasc_cells = __nasc_cells.into_iter();
        #[allow(unused_mut, unused_variables)]
        let mut __nasc_children = __nasc_children.into_iter();
        let id = nasc_runtime::__private::decode_cell(__nasc_cells.next(), "id")?;
        let name = nasc_runtime::__private::decode_cell(__nasc_cells.next(), "name")?;
        let email = nasc_runtime::__private::decode_cell(__nasc_cells.next(), "email")?;
        ::std::result::Result::Ok(User { id, name, email })
    }
    fn encode_row<'a>(
        &'a self,
        row: &mut nasc_runtime::encode::RowEncoder<'a>,
    ) -> ::std::result::Result<(), nasc_runtime::Error> {
        row.scalar(&self.id)?;
        row.scalar(&self.name)?;
        row.scalar(&self.email)?;
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
                "name".into(),
                nasc_runtime::__private::JsonScalar::to_json_scalar(&self.name)
                    .map_err(|e| nasc_runtime::__private::in_property("name", e))?,
            );
        object
            .insert(
                "email".into(),
                nasc_runtime::__private::JsonScalar::to_json_scalar(&self.email)
                    .map_err(|e| nasc_runtime::__private::in_property("email", e))?,
            );
        ::std::result::Result::Ok(nasc_runtime::serde_json::Value::Object(object))
    }
    fn from_json(
        value: nasc_runtime::serde_json::Value,
    ) -> ::std::result::Result<Self, nasc_runtime::serde_json::Error> {
        let mut object = nasc_runtime::__private::into_object(value, "User")?;
        let entity = User {
            id: nasc_runtime::__private::take_scalar(&mut object, "id")?,
            name: nasc_runtime::__private::take_scalar(&mut object, "name")?,
            email: nasc_runtime::__private::take_scalar(&mut object, "email")?,
        };
        nasc_runtime::__private::no_leftovers(object, "User")?;
        ::std::result::Result::Ok(entity)
    }
}
impl nasc_runtime::Aggregate for User {
    fn id(&self) -> ::std::string::String {
        nasc_runtime::__private::IdString::id_string(&self.id)
    }
}
impl nasc_runtime::schema_type::IsSchemaType<11857839211710813138u64> for User {}
/// Schema type `Todo`, stored in table `todos` (primary key `id`).
#[allow(non_camel_case_types)]
#[derive(
    Debug,
    Clone,
    PartialEq,
    nasc_runtime::serde::Serialize,
    nasc_runtime::serde::Deserialize
)]
#[serde(crate = "nasc_runtime::serde", deny_unknown_fields)]
pub struct Todo {
    /// Property `id`.
    pub id: ::std::string::String,
    /// Property `title`.
    pub title: ::std::string::String,
    /// Property `completed`.
    pub completed: bool,
}
#[allow(dead_code)]
impl Todo {
    /// Property `id`, for the typed query builder.
    pub const ID: nasc_runtime::query::Field<Todo, ::std::string::String> = nasc_runtime::query::Field::new(
        "id",
    );
    /// Property `title`, for the typed query builder.
    pub const TITLE: nasc_runtime::query::Field<Todo, ::std::string::String> = nasc_runtime::query::Field::new(
        "title",
    );
    /// Property `completed`, for the typed query builder.
    pub const COMPLETED: nasc_runtime::query::Field<Todo, bool> = nasc_runtime::query::Field::new(
        "completed",
    );
}
impl nasc_runtime::Entity for Todo {
    const TYPE_NAME: &'static str = "Todo";
    fn from_row(
        row: nasc_runtime::rows::LoadedRow,
    ) -> ::std::result::Result<Self, nasc_runtime::rows::RowError> {
        let (__nasc_cells, __nasc_children) = row.into_parts();
        let mut __nasc_cells = __nasc_cells.into_iter();
        #[allow(unused_mut, unused_variables)]
        let mut __nasc_children = __nasc_children.into_iter();
        let id = nasc_runtime::__private::decode_cell(__nasc_cells.next(), "id")?;
        let title = nasc_runtime::__private::decode_cell(__nasc_cells.next(), "title")?;
        let completed = nasc_runtime::__private::decode_cell(
            __nasc_cells.next(),
            "completed",
        )?;
        ::std::result::Result::Ok(Todo { id, title, completed })
    }
    fn encode_row<'a>(
        &'a self,
        row: &mut nasc_runtime::encode::RowEncoder<'a>,
    ) -> ::std::result::Result<(), nasc_runtime::Error> {
        row.scalar(&self.id)?;
        row.scalar(&self.title)?;
        row.scalar(&self.completed)?;
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
                "title".into(),
                nasc_runtime::__private::JsonScalar::to_json_scalar(&self.title)
                    .map_err(|e| nasc_runtime::__private::in_property("title", e))?,
            );
        object
            .insert(
                "completed".into(),
                nasc_runtime::__private::JsonScalar::to_json_scalar(&self.completed)
                    .map_err(|e| nasc_runtime::__private::in_property("completed", e))?,
            );
        ::std::result::Result::Ok(nasc_runtime::serde_json::Value::Object(object))
    }
    fn from_json(
        value: nasc_runtime::serde_json::Value,
    ) -> ::std::result::Result<Self, nasc_runtime::serde_json::Error> {
        let mut object = nasc_runtime::__private::into_object(value, "Todo")?;
        let entity = Todo {
            id: nasc_runtime::__private::take_scalar(&mut object, "id")?,
            title: nasc_runtime::__private::take_scalar(&mut object, "title")?,
            completed: nasc_runtime::__private::take_scalar(&mut object, "completed")?,
        };
        nasc_runtime::__private::no_leftovers(object, "Todo")?;
        ::std::result::Result::Ok(entity)
    }
}
impl nasc_runtime::Aggregate for Todo {
    fn id(&self) -> ::std::string::String {
        nasc_runtime::__private::IdString::id_string(&self.id)
    }
}
impl nasc_runtime::schema_type::IsSchemaType<6506807538094405053u64> for Todo {}
/// Schema type `TodoList`, stored in table `todo_lists` (primary key `id`).
#[allow(non_camel_case_types)]
#[derive(
    Debug,
    Clone,
    PartialEq,
    nasc_runtime::serde::Serialize,
    nasc_runtime::serde::Deserialize
)]
#[serde(crate = "nasc_runtime::serde", deny_unknown_fields)]
pub struct TodoList {
    /// Property `id`.
    pub id: ::std::string::String,
    /// Children `items` (rows of `Todo` in order).
    #[serde(default)]
    pub items: ::std::vec::Vec<Todo>,
}
#[allow(dead_code)]
impl TodoList {
    /// Property `id`, for the typed query builder.
    pub const ID: nasc_runtime::query::Field<TodoList, ::std::string::String> = nasc_runtime::query::Field::new(
        "id",
    );
    /// Array `items`, for the typed query builder.
    pub const ITEMS: nasc_runtime::query::Children<TodoList, Todo> = nasc_runtime::query::Children::new(
        "items",
    );
}
impl nasc_runtime::Entity for TodoList {
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
        ::std::result::Result::Ok(TodoList { id, items })
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
        let entity = TodoList {
            id: nasc_runtime::__private::take_scalar(&mut object, "id")?,
            items: nasc_runtime::__private::take_children(&mut object, "items")?,
        };
        nasc_runtime::__private::no_leftovers(object, "TodoList")?;
        ::std::result::Result::Ok(entity)
    }
}
impl nasc_runtime::Aggregate for TodoList {
    fn id(&self) -> ::std::string::String {
        nasc_runtime::__private::IdString::id_string(&self.id)
    }
}
impl nasc_runtime::schema_type::IsSchemaType<6944381760052620889u64> for TodoList {}
/// Every mapped type of the schema, for stores and for the dynamic `Store` API.
pub fn registry() -> nasc_runtime::Registry {
    static REGISTRY: nasc_runtime::__private::OnceLock<nasc_runtime::Registry> = nasc_runtime::__private::OnceLock::new();
    REGISTRY
        .get_or_init(|| {
            nasc_runtime::Registry::from_json_str(
                    "schemas/app.schema.json",
                    include_str!("$ROOT/schemas/app.schema.json"),
                    "schemas/app.mapping.json",
                    include_str!("$ROOT/schemas/app.mapping.json"),
                )
                .expect(
                    "the schema and mapping were validated when this crate was compiled",
                )
                .with_compiled_checks(&[("User", "email", __nasc_validators::field_0_2)])
        })
        .clone()
}
/// Validators compiled from the schema, installed in `registry()`.
#[doc(hidden)]
#[allow(unused_variables, clippy::all)]
mod __nasc_validators {
    use nasc_runtime::__private::check as c;
    use nasc_runtime::serde_json::Value;
    pub(super) fn field_0_2(
        value: &Value,
        pointer: &str,
    ) -> ::std::result::Result<(), c::Violation> {
        if !(value.is_string()) {
            return Err(c::expected(pointer, "string", value));
        }
        match value {
            Value::String(text) => {
                let length = text.chars().count() as u64;
                c::format(pointer, value, text, c::Format::Email)?;
            }
            _ => {}
        }
        Ok(())
    }
}
/// Diesel table definitions of the mapped types, for queries beside the aggregate
/// API. Child tables carry the foreign key and the `nasc_position` column. Here,
/// the columns every backend types alike (JSON document and `date-time` columns
/// are in the modules of each backend: `tables::postgres::orders`). Needs
/// `diesel` among the crate's dependencies (diesel's `table!` names it).
#[allow(missing_docs)]
pub mod tables {
    diesel::table! {
        #[doc = " Table `users` of schema type `User`."] users(id) { id -> Text, name ->
        Text, email -> Text, }
    }
    diesel::table! {
        #[doc = " Table `todos` of schema type `Todo`."] todos(nasc_row) { nasc_row ->
        BigInt, id -> Text, title -> Text, completed -> Bool, todo_list_id -> Nullable <
        Text >, nasc_position -> Nullable < BigInt >, }
    }
    diesel::table! {
        #[doc = " Table `todo_lists` of schema type `TodoList`."] todo_lists(id) { id ->
        Text, }
    }
    diesel::joinable!(todos -> todo_lists(todo_list_id));
    diesel::allow_tables_to_appear_in_same_query!(users, todos, todo_lists);
    nasc_runtime::__if_sqlite! {
        #[doc =
        " Every column of the mapped types' tables as sqlite types them (`date-time` and JSON document columns included)."]
        pub mod sqlite { diesel::table! { #[doc =
        " Table `users` of schema type `User`."] users(id) { id -> Text, name -> Text,
        email -> Text, } } diesel::table! { #[doc =
        " Table `todos` of schema type `Todo`."] todos(nasc_row) { nasc_row -> BigInt, id
        -> Text, title -> Text, completed -> Bool, todo_list_id -> Nullable < Text >,
        nasc_position -> Nullable < BigInt >, } } diesel::table! { #[doc =
        " Table `todo_lists` of schema type `TodoList`."] todo_lists(id) { id -> Text, }
        } diesel::joinable!(todos -> todo_lists(todo_list_id));
        diesel::allow_tables_to_appear_in_same_query!(users, todos, todo_lists); }
    }
    nasc_runtime::__if_postgres! {
        #[doc =
        " Every column of the mapped types' tables as postgres types them (`date-time` and JSON document columns included)."]
        pub mod postgres { diesel::table! { #[doc =
        " Table `users` of schema type `User`."] users(id) { id -> Text, name -> Text,
        email -> Text, } } diesel::table! { #[doc =
        " Table `todos` of schema type `Todo`."] todos(nasc_row) { nasc_row -> BigInt, id
        -> Text, title -> Text, completed -> Bool, todo_list_id -> Nullable < Text >,
        nasc_position -> Nullable < BigInt >, } } diesel::table! { #[doc =
        " Table `todo_lists` of schema type `TodoList`."] todo_lists(id) { id -> Text, }
        } diesel::joinable!(todos -> todo_lists(todo_list_id));
        diesel::allow_tables_to_appear_in_same_query!(users, todos, todo_lists); }
    }
    nasc_runtime::__if_mysql! {
        #[doc =
        " Every column of the mapped types' tables as mysql types them (`date-time` and JSON document columns included)."]
        pub mod mysql { diesel::table! { #[doc = " Table `users` of schema type `User`."]
        users(id) { id -> Text, name -> Text, email -> Text, } } diesel::table! { #[doc =
        " Table `todos` of schema type `Todo`."] todos(nasc_row) { nasc_row -> BigInt, id
        -> Text, title -> Text, completed -> Bool, todo_list_id -> Nullable < Text >,
        nasc_position -> Nullable < BigInt >, } } diesel::table! { #[doc =
        " Table `todo_lists` of schema type `TodoList`."] todo_lists(id) { id -> Text, }
        } diesel::joinable!(todos -> todo_lists(todo_list_id));
        diesel::allow_tables_to_appear_in_same_query!(users, todos, todo_lists); }
    }
}
