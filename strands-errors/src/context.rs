//! Where it happened: the resource, the operation, the AWS call. Context
//! turns "access denied" into "access denied creating my-function", and
//! lets suggestions name the permission (`lambda:CreateFunction`).

use serde::Serialize;
use std::collections::BTreeMap;

/// The Python module's `ErrorContext`, as a builder. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[must_use = "a context does nothing until attached to an error"]
pub struct ErrorContext {
    /// The resource's id or name (`my-lambda-function`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Its CloudFormation-style type (`AWS::Lambda::Function`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// What the deployment was doing (`create`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The AWS service (`lambda`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_service: Option<String>,
    /// The AWS API operation (`CreateFunction`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_operation: Option<String>,
    /// The AWS request id, for a support case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Anything else worth showing, sorted by key.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub additional_info: BTreeMap<String, String>,
}

impl ErrorContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }
    /// The resource's id or name.
    pub fn resource_id(mut self, v: impl Into<String>) -> Self {
        self.resource_id = Some(v.into());
        self
    }
    /// The resource's type.
    pub fn resource_type(mut self, v: impl Into<String>) -> Self {
        self.resource_type = Some(v.into());
        self
    }
    /// What the deployment was doing.
    pub fn operation(mut self, v: impl Into<String>) -> Self {
        self.operation = Some(v.into());
        self
    }
    /// The AWS service.
    pub fn aws_service(mut self, v: impl Into<String>) -> Self {
        self.aws_service = Some(v.into());
        self
    }
    /// The AWS API operation.
    pub fn aws_operation(mut self, v: impl Into<String>) -> Self {
        self.aws_operation = Some(v.into());
        self
    }
    /// The AWS request id.
    pub fn request_id(mut self, v: impl Into<String>) -> Self {
        self.request_id = Some(v.into());
        self
    }
    /// One more key and value.
    pub fn additional_info(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.additional_info.insert(key.into(), value.into());
        self
    }

    /// The IAM action this context names (`lambda:CreateFunction`), if both
    /// the service and the operation are known.
    pub fn iam_action(&self) -> Option<String> {
        Some(format!(
            "{}:{}",
            self.aws_service.as_deref()?,
            self.aws_operation.as_deref()?
        ))
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
