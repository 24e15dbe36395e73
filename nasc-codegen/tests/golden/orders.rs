/// Schema type `Order`, stored in table `orders` (primary key `id`).
#[allow(non_camel_case_types)]
#[derive(
    Debug,
    Clone,
    PartialEq,
    nasc_runtime::serde::Serialize,
    nasc_runtime::serde::Deserialize
)]
#[serde(crate = "nasc_runtime::serde", deny_unknown_fields)]
pub struct Order {
    /// Property `id`.
    pub id: ::std::string::String,
    /// Children `lines` (rows of `OrderLine` in order).
    #[serde(default)]
    pub lines: ::std::vec::Vec<OrderLine>,
    /// Children `payments` (rows of `Payment` in order).
    #[serde(default)]
    pub payments: ::std::vec::Vec<Payment>,
}
#[allow(dead_code)]
impl Order {
    /// Property `id`, for the typed query builder.
    pub const ID: nasc_runtime::query::Field<Order, ::std::string::String> = nasc_runtime::query::Field::new(
        "id",
    );
    /// Array `lines`, for the typed query builder.
    pub const LINES: nasc_runtime::query::Children<Order, OrderLine> = nasc_runtime::query::Children::new(
        "lines",
    );
    /// Array `payments`, for the typed query builder.
    pub const PAYMENTS: nasc_runtime::query::Children<Order, Payment> = nasc_runtime::query::Children::new(
        "payments",
    );
}
impl nasc_runtime::Entity for Order {
    const TYPE_NAME: &'static str = "Order";
    fn from_row(
        row: nasc_runtime::rows::LoadedRow,
    ) -> ::std::result::Result<Self, nasc_runtime::rows::RowError> {
        let (__nasc_cells, __nasc_children) = row.into_parts();
        let mut __nasc_cells = __nasc_cells.into_iter();
        #[allow(unused_mut, unused_variables)]
        let mut __nasc_children = __nasc_children.into_iter();
        let id = nasc_runtime::__private::decode_cell(__nasc_cells.next(), "id")?;
        let lines = nasc_runtime::__private::decode_children(
            __nasc_children.next(),
            "lines",
        )?;
        let payments = nasc_runtime::__private::decode_children(
            __nasc_children.next(),
            "payments",
        )?;
        ::std::result::Result::Ok(Order { id, lines, payments })
    }
    fn encode_row<'a>(
        &'a self,
        row: &mut nasc_runtime::encode::RowEncoder<'a>,
    ) -> ::std::result::Result<(), nasc_runtime::Error> {
        row.scalar(&self.id)?;
        row.children(&self.lines)?;
        row.children(&self.payments)?;
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
                "lines".into(),
                nasc_runtime::serde_json::Value::Array(
                    self
                        .lines
                        .iter()
                        .map(nasc_runtime::Entity::to_json)
                        .collect::<::std::result::Result<::std::vec::Vec<_>, _>>()?,
                ),
            );
        object
            .insert(
                "payments".into(),
                nasc_runtime::serde_json::Value::Array(
                    self
                        .payments
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
        let mut object = nasc_runtime::__private::into_object(value, "Order")?;
        let entity = Order {
            id: nasc_runtime::__private::take_scalar(&mut object, "id")?,
            lines: nasc_runtime::__private::take_children(&mut object, "lines")?,
            payments: nasc_runtime::__private::take_children(&mut object, "payments")?,
        };
        nasc_runtime::__private::no_leftovers(object, "Order")?;
        ::std::result::Result::Ok(entity)
    }
}
impl nasc_runtime::Aggregate for Order {
    fn id(&self) -> ::std::string::String {
        nasc_runtime::__private::IdString::id_string(&self.id)
    }
}
impl nasc_runtime::schema_type::IsSchemaType<3145189127427554391u64> for Order {}
/// Schema type `OrderLine`, stored in table `order_lines` (rows identified by their position in the array).
#[allow(non_camel_case_types)]
#[derive(
    Debug,
    Clone,
    PartialEq,
    nasc_runtime::serde::Serialize,
    nasc_runtime::serde::Deserialize
)]
#[serde(crate = "nasc_runtime::serde", deny_unknown_fields)]
pub struct OrderLine {
    /// Property `sku`.
    pub sku: ::std::string::String,
    /// Property `quantity`.
    pub quantity: i64,
    /// Property `note`.
    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
    pub note: ::std::option::Option<::std::string::String>,
}
#[allow(dead_code)]
impl OrderLine {
    /// Property `sku`, for the typed query builder.
    pub const SKU: nasc_runtime::query::Field<OrderLine, ::std::string::String> = nasc_runtime::query::Field::new(
        "sku",
    );
    /// Property `quantity`, for the typed query builder.
    pub const QUANTITY: nasc_runtime::query::Field<OrderLine, i64> = nasc_runtime::query::Field::new(
        "quantity",
    );
    /// Property `note`, for the typed query builder.
    pub const NOTE: nasc_runtime::query::Field<
        OrderLine,
        ::std::option::Option<::std::string::String>,
    > = nasc_runtime::query::Field::new("note");
}
impl nasc_runtime::Entity for OrderLine {
    const TYPE_NAME: &'static str = "OrderLine";
    fn from_row(
        row: nasc_runtime::rows::LoadedRow,
    ) -> ::std::result::Result<Self, nasc_runtime::rows::RowError> {
        let (__nasc_cells, __nasc_children) = row.into_parts();
        let mut __nasc_cells = __nasc_cells.into_iter();
        #[allow(unused_mut, unused_variables)]
        let mut __nasc_children = __nasc_children.into_iter();
        let sku = nasc_runtime::__private::decode_cell(__nasc_cells.next(), "sku")?;
        let quantity = nasc_runtime::__private::decode_cell(
            __nasc_cells.next(),
            "quantity",
        )?;
        let note = nasc_runtime::__private::decode_cell(__nasc_cells.next(), "note")?;
        ::std::result::Result::Ok(OrderLine { sku, quantity, note })
    }
    fn encode_row<'a>(
        &'a self,
        row: &mut nasc_runtime::encode::RowEncoder<'a>,
    ) -> ::std::result::Result<(), nasc_runtime::Error> {
        row.scalar(&self.sku)?;
        row.scalar(&self.quantity)?;
        match &self.note {
            ::std::option::Option::Some(value) => row.scalar(value)?,
            ::std::option::Option::None => row.absent()?,
        }
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
                "sku".into(),
                nasc_runtime::__private::JsonScalar::to_json_scalar(&self.sku)
                    .map_err(|e| nasc_runtime::__private::in_property("sku", e))?,
            );
        object
            .insert(
                "quantity".into(),
                nasc_runtime::__private::JsonScalar::to_json_scalar(&self.quantity)
                    .map_err(|e| nasc_runtime::__private::in_property("quantity", e))?,
            );
        if let ::std::option::Option::Some(value) = &self.note {
            object
                .insert(
                    "note".into(),
                    nasc_runtime::__private::JsonScalar::to_json_scalar(value)
                        .map_err(|e| nasc_runtime::__private::in_property("note", e))?,
                );
        }
        ::std::result::Result::Ok(nasc_runtime::serde_json::Value::Object(object))
    }
    fn from_json(
        value: nasc_runtime::serde_json::Value,
    ) -> ::std::result::Result<Self, nasc_runtime::serde_json::Error> {
        let mut object = nasc_runtime::__private::into_object(value, "OrderLine")?;
        let entity = OrderLine {
            sku: nasc_runtime::__private::take_scalar(&mut object, "sku")?,
            quantity: nasc_runtime::__private::take_scalar(&mut object, "quantity")?,
            note: nasc_runtime::__private::take_scalar(&mut object, "note")?,
        };
        nasc_runtime::__private::no_leftovers(object, "OrderLine")?;
        ::std::result::Result::Ok(entity)
    }
}
impl nasc_runtime::schema_type::IsSchemaType<1052499410840627845u64> for OrderLine {}
/// Schema type `Payment`, stored in table `payments` (rows identified by their position in the array).
#[allow(non_camel_case_types)]
#[derive(
    Debug,
    Clone,
    PartialEq,
    nasc_runtime::serde::Serialize,
    nasc_runtime::serde::Deserialize
)]
#[serde(crate = "nasc_runtime::serde", deny_unknown_fields)]
pub struct Payment {
    /// Property `method`.
    pub method: ::std::string::String,
    /// Property `amount`.
    pub amount: f64,
}
#[allow(dead_code)]
impl Payment {
    /// Property `method`, for the typed query builder.
    pub const METHOD: nasc_runtime::query::Field<Payment, ::std::string::String> = nasc_runtime::query::Field::new(
        "method",
    );
    /// Property `amount`, for the typed query builder.
    pub const AMOUNT: nasc_runtime::query::Field<Payment, f64> = nasc_runtime::query::Field::new(
        "amount",
    );
}
impl nasc_runtime::Entity for Payment {
    const TYPE_NAME: &'static str = "Payment";
    fn from_row(
        row: nasc_runtime::rows::LoadedRow,
    ) -> ::std::result::Result<Self, nasc_runtime::rows::RowError> {
        let (__nasc_cells, __nasc_children) = row.into_parts();
        let mut __nasc_cells = __nasc_cells.into_iter();
        #[allow(unused_mut, unused_variables)]
        let mut __nasc_children = __nasc_children.into_iter();
        let method = nasc_runtime::__private::decode_cell(
            __nasc_cells.next(),
            "method",
        )?;
        let amount = nasc_runtime::__private::decode_cell(
            __nasc_cells.next(),
            "amount",
        )?;
        ::std::result::Result::Ok(Payment { method, amount })
    }
    fn encode_row<'a>(
        &'a self,
        row: &mut nasc_runtime::encode::RowEncoder<'a>,
    ) -> ::std::result::Result<(), nasc_runtime::Error> {
        row.scalar(&self.method)?;
        row.scalar(&self.amount)?;
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
                "method".into(),
                nasc_runtime::__private::JsonScalar::to_json_scalar(&self.method)
                    .map_err(|e| nasc_runtime::__private::in_property("method", e))?,
            );
        object
            .insert(
                "amount".into(),
                nasc_runtime::__private::JsonScalar::to_json_scalar(&self.amount)
                    .map_err(|e| nasc_runtime::__private::in_property("amount", e))?,
            );
        ::std::result::Result::Ok(nasc_runtime::serde_json::Value::Object(object))
    }
    fn from_json(
        value: nasc_runtime::serde_json::Value,
    ) -> ::std::result::Result<Self, nasc_runtime::serde_json::Error> {
        let mut object = nasc_runtime::__private::into_object(value, "Payment")?;
        let entity = Payment {
            method: nasc_runtime::__private::take_scalar(&mut object, "method")?,
            amount: nasc_runtime::__private::take_scalar(&mut object, "amount")?,
        };
        nasc_runtime::__private::no_leftovers(object, "Payment")?;
        ::std::result::Result::Ok(entity)
    }
}
impl nasc_runtime::schema_type::IsSchemaType<4467687930172491409u64> for Payment {}
/// Every mapped type of the schema, for stores and for the dynamic `Store` API.
pub fn registry() -> nasc_runtime::Registry {
    static REGISTRY: nasc_runtime::__private::OnceLock<nasc_runtime::Registry> = nasc_runtime::__private::OnceLock::new();
    REGISTRY
        .get_or_init(|| {
            nasc_runtime::Registry::from_json_str(
                    "tests/schemas/orders.schema.json",
                    include_str!("$ROOT/tests/schemas/orders.schema.json"),
                    "tests/schemas/orders.mapping.json",
                    include_str!("$ROOT/tests/schemas/orders.mapping.json"),
                )
                .expect(
                    "the schema and mapping were validated when this crate was compiled",
                )
                .with_compiled_checks(
                    &[("OrderLine", "quantity", __nasc_validators::field_1_1)],
                )
        })
        .clone()
}
/// Validators compiled from the schema, installed in `registry()`.
#[doc(hidden)]
#[allow(unused_variables, clippy::all)]
mod __nasc_validators {
    use nasc_runtime::__private::check as c;
    use nasc_runtime::serde_json::Value;
    pub(super) fn field_1_1(
        value: &Value,
        pointer: &str,
    ) -> ::std::result::Result<(), c::Violation> {
        if !(matches!(value, Value::Number(n) if c::is_integer(n))) {
            return Err(c::expected(pointer, "integer", value));
        }
        match value {
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                c::bound(pointer, value, x, c::Bound::Minimum, 1f64)?;
            }
            _ => {}
        }
        Ok(())
    }
}
