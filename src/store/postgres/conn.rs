//! A pooled connection whose statements are prepared once per connection
//! and reused: a statement given as text would otherwise cost a second
//! round trip (and the server a parse) on every call. The methods take the
//! same arguments as tokio-postgres's, so the record operations read as
//! plain driver calls; everything else the connection does (transactions,
//! simple queries) is the driver's own, through `Deref`.

use std::ops::{Deref, DerefMut};

use deadpool_postgres::Object;
use tokio_postgres::{Error, Row};

use super::Param;

/// A connection from the pool.
pub(crate) struct Conn(pub(super) Object);

impl Conn {
    /// The rows `sql` answers.
    pub(crate) async fn query(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, Error> {
        let statement = self.0.prepare_cached(sql).await?;
        self.0.query(&statement, params).await
    }

    /// The one row `sql` answers, or none.
    pub(crate) async fn query_opt(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<Row>, Error> {
        let statement = self.0.prepare_cached(sql).await?;
        self.0.query_opt(&statement, params).await
    }

    /// The one row `sql` answers (an error when there is none).
    pub(crate) async fn query_one(&self, sql: &str, params: &[Param<'_>]) -> Result<Row, Error> {
        let statement = self.0.prepare_cached(sql).await?;
        self.0.query_one(&statement, params).await
    }

    /// Runs `sql`; answers how many rows it changed.
    pub(crate) async fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<u64, Error> {
        let statement = self.0.prepare_cached(sql).await?;
        self.0.execute(&statement, params).await
    }
}

impl Deref for Conn {
    type Target = Object;

    fn deref(&self) -> &Object {
        &self.0
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Object {
        &mut self.0
    }
}
